"""The demo site: categories, Vietnamese articles, generated photos, pages and blocks.

``flask --app wsgi portal demo`` (and ``portal setup`` on an empty site) call
:func:`load_demo`. Everything here is invented for demonstration: the
articles are generic provincial news written for this project, the contact
details are placeholders, and the "photos" are landscapes drawn with Pillow
from a seeded random generator, so the same pictures come out on every run.
They go into the media library through :func:`portal.content.media.save_image`, like
any upload, so demo pages get resized copies and ``srcset``.

Loading adds only what is missing (categories by slug, articles by their
``demo:`` external id, library photos by their ``demo-NN.jpg`` name, pages by
path or by kind and category), in one transaction, so loading twice never
duplicates anything.
"""

from __future__ import annotations

import functools
import io
import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from PIL import Image, ImageDraw, ImageFilter
from sqlalchemy import select

from portal.content.events import article_event
from portal.content.media import PreparedImage, prepare_image, store_image
from portal.content.unit_of_work import Actor, unit_of_work
from portal.extensions import db
from portal.models import Article, Category, MediaImage, Page, Placement
from portal.plugins import plugins_of
from portal.text import sanitize_html, slugify

DEMO_ID_PREFIX = "demo:"

# ---------------------------------------------------------------------------
# Categories: (slug, name, parent slug, description)
# ---------------------------------------------------------------------------

CATEGORIES: list[tuple[str, str, str | None, str]] = [
    ("thoi-su", "Thời sự", None, "Tin tức thời sự trong tỉnh."),
    ("chinh-tri", "Chính trị", "thoi-su", "Hoạt động của cấp ủy, chính quyền các cấp."),
    ("xa-hoi", "Xã hội", "thoi-su", "Đời sống, an sinh và môi trường."),
    ("kinh-te", "Kinh tế", None, "Sản xuất, kinh doanh, đầu tư và hạ tầng."),
    (
        "nong-nghiep-nong-thon",
        "Nông nghiệp – Nông thôn",
        None,
        "Sản xuất nông nghiệp và xây dựng nông thôn mới.",
    ),
    ("van-hoa-du-lich", "Văn hóa – Du lịch", None, "Di sản, lễ hội và điểm đến của Bắc Kạn."),
    ("giao-duc", "Giáo dục", None, "Dạy và học ở các cấp học."),
    ("y-te", "Y tế", None, "Chăm sóc sức khỏe nhân dân."),
    ("quoc-phong-an-ninh", "Quốc phòng – An ninh", None, "Giữ vững quốc phòng, an ninh."),
]

# ---------------------------------------------------------------------------
# Articles
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoArticle:
    """One demo article as written here; the loader turns it into an Article row.

    ``days_ago`` and ``at`` give the publication time in the site's time zone
    relative to the day the demo is loaded; ``published_on`` fixes a date
    instead. ``scene`` chooses the kind of landscape drawn for its photo.
    """

    title: str
    category: str
    lead: str
    body: str
    author: str
    caption: str
    scene: str
    days_ago: int = 1
    at: str = "08:00"
    published_on: str = ""
    source: str = ""
    status: str = "published"
    scheduled_in_days: int = 0


ARTICLES: list[DemoArticle] = [
    DemoArticle(
        title="Bắc Kạn sau 10 năm thực hiện Chỉ thị số 30-CT/TW",
        category="chinh-tri",
        published_on="2023-11-29",
        at="08:30",
        scene="town",
        lead=(
            "Mười năm qua, các cấp ủy, chính quyền trong tỉnh đã chủ động quán triệt và cụ "
            "thể hóa Chỉ thị số 30-CT/TW bằng nhiều chương trình, kế hoạch phù hợp với điều "
            "kiện địa phương, tạo chuyển biến rõ nét ở cơ sở."
        ),
        body="""
<p>Ngay sau khi Chỉ thị được ban hành, Ban Thường vụ Tỉnh ủy đã xây dựng kế hoạch triển khai,
giao nhiệm vụ cụ thể cho từng cơ quan, đơn vị và các huyện ủy, thành ủy. Việc quán triệt được
tổ chức đến từng chi bộ, gắn với nội dung sinh hoạt chuyên đề hằng tháng.</p>
<p>Công tác tuyên truyền được đổi mới cả về nội dung và hình thức. Bên cạnh hội nghị, các địa
phương tăng cường đối thoại trực tiếp, đưa thông tin lên trang điện tử và các nhóm trao đổi của
thôn, bản để người dân dễ tiếp cận.</p>
<h2>Nhiều cách làm hay ở cơ sở</h2>
<p>Nhiều xã vùng cao duy trì tổ tự quản, họp thôn định kỳ để bàn bạc công việc chung. Ý kiến,
kiến nghị của người dân được ghi nhận và trả lời công khai, tạo sự đồng thuận khi triển khai các
chương trình phát triển kinh tế – xã hội.</p>
<p>Tại hội nghị tổng kết, lãnh đạo tỉnh đề nghị các cấp ủy tiếp tục phát huy vai trò của người
đứng đầu, thường xuyên kiểm tra, giám sát và kịp thời nhân rộng cách làm hay, để Chỉ thị thực sự
đi vào cuộc sống.</p>
""",
        author="Thu Trang",
        caption="Ảnh minh họa: thành phố Bắc Kạn nhìn từ xa.",
    ),
    DemoArticle(
        title="Hội nghị Ban Chấp hành Đảng bộ tỉnh bàn nhiệm vụ trọng tâm cuối năm",
        category="chinh-tri",
        days_ago=2,
        at="16:45",
        scene="town",
        lead=(
            "Hội nghị đánh giá kết quả thực hiện nhiệm vụ chính trị từ đầu năm và thống nhất "
            "các giải pháp để hoàn thành chỉ tiêu trong những tháng còn lại."
        ),
        body="""
<p>Các đại biểu tập trung thảo luận về tiến độ các công trình trọng điểm, thu ngân sách, giải
ngân vốn đầu tư công và công tác chuẩn bị cho sản xuất vụ đông xuân.</p>
<p>Hội nghị thống nhất yêu cầu các ngành, địa phương rà soát từng chỉ tiêu còn chậm, xác định rõ
nguyên nhân và người chịu trách nhiệm, đồng thời chủ động tháo gỡ vướng mắc về mặt bằng.</p>
<p>Kết luận hội nghị nhấn mạnh việc chăm lo đời sống người dân dịp cuối năm, bảo đảm không để
hộ nào thiếu đói, thiếu nhà ở trong mùa rét.</p>
""",
        author="Minh Hải",
        caption="Ảnh minh họa: khu trung tâm hành chính của tỉnh.",
    ),
    DemoArticle(
        title="Hội đồng nhân dân tỉnh chất vấn về quản lý đất đai và môi trường",
        category="chinh-tri",
        days_ago=9,
        at="10:15",
        scene="town",
        lead=(
            "Phiên chất vấn tập trung vào cấp giấy chứng nhận quyền sử dụng đất, xử lý rác thải "
            "ở khu dân cư và quản lý khai thác khoáng sản."
        ),
        body="""
<p>Trả lời đại biểu, người đứng đầu ngành tài nguyên và môi trường cho biết tỉnh đang đẩy mạnh
số hóa hồ sơ địa chính để rút ngắn thời gian giải quyết thủ tục cho người dân.</p>
<p>Nhiều đại biểu đề nghị tăng cường kiểm tra các điểm khai thác cát, sỏi trên sông, xử lý
nghiêm trường hợp vi phạm và công khai kết quả xử lý để nhân dân cùng giám sát.</p>
<p>Phát biểu kết thúc phiên chất vấn, chủ tọa đề nghị các cơ quan liên quan thực hiện đúng cam
kết và báo cáo kết quả tại kỳ họp tiếp theo.</p>
""",
        author="Ngọc Lan",
        source="Văn phòng Đoàn đại biểu Quốc hội và Hội đồng nhân dân tỉnh",
        caption="Ảnh minh họa: khu đô thị bên chân núi.",
    ),
    DemoArticle(
        title="Cử tri vùng cao kiến nghị đầu tư đường giao thông liên thôn",
        category="chinh-tri",
        days_ago=16,
        at="14:00",
        scene="fields",
        lead=(
            "Tại buổi tiếp xúc cử tri trước kỳ họp, người dân nhiều xã vùng cao mong muốn sớm có "
            "đường bê tông nối các thôn với trung tâm xã."
        ),
        body="""
<p>Cử tri cho biết vào mùa mưa, nhiều đoạn đường đất bị sạt lở, việc đi lại và vận chuyển nông
sản gặp nhiều khó khăn, học sinh phải đi đường vòng xa để đến trường.</p>
<p>Đại diện chính quyền huyện tiếp thu ý kiến, cho biết một số tuyến đã được đưa vào kế hoạch
đầu tư trung hạn và khuyến khích nhân dân cùng góp công, hiến đất để công trình sớm triển
khai.</p>
<p>Các kiến nghị thuộc thẩm quyền của tỉnh đã được tổng hợp để gửi tới kỳ họp sắp tới.</p>
""",
        author="Văn Thịnh",
        caption="Ảnh minh họa: cánh đồng và nhà sàn ở một thôn vùng cao.",
    ),
    DemoArticle(
        title="Hàng trăm hộ nghèo vùng cao được hỗ trợ làm nhà ở kiên cố",
        category="xa-hoi",
        days_ago=3,
        at="09:20",
        scene="forest",
        lead=(
            "Từ nguồn vốn của chương trình mục tiêu quốc gia và sự chung tay của cộng đồng, "
            "nhiều gia đình ở các xã vùng cao đã có nhà mới trước mùa mưa lũ."
        ),
        body="""
<p>Mỗi hộ được hỗ trợ một phần kinh phí, phần còn lại do gia đình, dòng họ và hàng xóm cùng góp
công, góp vật liệu. Đoàn thanh niên và hội cựu chiến binh ở nhiều thôn nhận vận chuyển vật liệu
lên những điểm xe không vào được.</p>
<p>Các căn nhà đều bảo đảm tiêu chuẩn “ba cứng”: nền cứng, khung cứng, mái cứng, phù hợp với
phong tục và điều kiện sinh hoạt của đồng bào.</p>
<p>Chính quyền các xã tiếp tục rà soát để hỗ trợ những hộ còn lại trong năm tới.</p>
""",
        author="Hà Phương",
        source="Sở Lao động – Thương binh và Xã hội",
        caption="Ảnh minh họa: nhà sàn giữa rừng cây ở vùng cao.",
    ),
    DemoArticle(
        title="Thành phố ra quân tổng vệ sinh môi trường, chỉnh trang đô thị",
        category="xa-hoi",
        days_ago=6,
        at="07:30",
        scene="town",
        lead=(
            "Đông đảo cán bộ, đoàn viên và người dân các phường đã tham gia thu gom rác, phát "
            "quang bụi rậm và trồng thêm cây xanh dọc các tuyến phố."
        ),
        body="""
<p>Hoạt động được tổ chức đồng loạt vào sáng cuối tuần, tập trung ở khu vực chợ, bờ sông và các
tuyến đường vào khu dân cư.</p>
<p>Nhiều tổ dân phố đăng ký tuyến phố “xanh – sạch – đẹp”, tự duy trì lịch dọn vệ sinh hằng
tuần và nhắc nhở các hộ kinh doanh không lấn chiếm vỉa hè.</p>
<ul>
<li>Thu gom rác thải tại các điểm tồn đọng lâu ngày.</li>
<li>Khơi thông cống rãnh trước mùa mưa.</li>
<li>Trồng mới cây bóng mát ở khu vui chơi công cộng.</li>
</ul>
<p>Thành phố sẽ duy trì hoạt động này định kỳ mỗi tháng một lần.</p>
""",
        author="Thanh Hương",
        caption="Ảnh minh họa: một tuyến phố mới chỉnh trang.",
    ),
    DemoArticle(
        title="Thanh niên tình nguyện làm đường, dựng cầu cho bản vùng cao",
        category="xa-hoi",
        days_ago=12,
        at="15:10",
        scene="forest",
        lead=(
            "Các đội hình thanh niên tình nguyện đã cùng người dân mở đường và dựng một cây cầu "
            "nhỏ qua suối, giúp học sinh đi học an toàn hơn."
        ),
        body="""
<p>Trong nhiều ngày, các đoàn viên cùng bà con san lấp mặt đường, đổ bê tông những đoạn dốc và
lắp lan can cho cây cầu bắc qua suối đầu bản.</p>
<p>Ngoài lao động, các đội hình còn tổ chức sinh hoạt văn nghệ, hướng dẫn trẻ em kỹ năng phòng
tránh đuối nước và tặng sách vở cho học sinh khó khăn.</p>
<p>Người dân trong bản cho biết con đường mới giúp việc đưa nông sản ra chợ thuận lợi hơn
nhiều.</p>
""",
        author="Đức Anh",
        caption="Ảnh minh họa: rừng cây xanh bên đường vào bản.",
    ),
    DemoArticle(
        title="Chủ động phòng, chống rét cho người và vật nuôi trong mùa đông",
        category="thoi-su",
        days_ago=1,
        at="06:45",
        scene="forest",
        lead=(
            "Trước dự báo các đợt không khí lạnh tăng cường, các địa phương khuyến cáo người dân "
            "giữ ấm cho trẻ nhỏ, người cao tuổi và che chắn chuồng trại cho gia súc."
        ),
        body="""
<p>Ở vùng núi cao, nhiệt độ ban đêm có thể xuống thấp, xuất hiện sương muối. Người dân không nên
thả rông trâu, bò lên núi cao vào những ngày rét đậm, rét hại.</p>
<p>Ngành nông nghiệp khuyến cáo dự trữ thức ăn thô xanh, rơm khô và bổ sung muối khoáng cho vật
nuôi; không cho trâu, bò làm việc khi trời quá lạnh.</p>
<p>Các trường học được phép điều chỉnh giờ học buổi sáng khi nhiệt độ xuống dưới mức quy định.
Người dân cần theo dõi bản tin thời tiết hằng ngày để chủ động ứng phó.</p>
""",
        author="Quang Huy",
        source="Trung tâm Khí tượng thủy văn tỉnh",
        caption="Ảnh minh họa: núi rừng trong sương sớm.",
    ),
    DemoArticle(
        title="Miến dong vào vụ sản xuất cuối năm",
        category="kinh-te",
        days_ago=4,
        at="09:00",
        scene="fields",
        lead=(
            "Những ngày này, các cơ sở làm miến ở nhiều xã tất bật tráng, phơi miến để kịp cung "
            "ứng cho thị trường dịp cuối năm."
        ),
        body="""
<p>Củ dong riềng sau khi thu hoạch được nghiền lấy tinh bột, tráng thành bánh rồi thái sợi và
phơi khô dưới nắng. Thời tiết hanh khô giúp sợi miến trong, dai và giữ được màu tự nhiên.</p>
<p>Nhiều hợp tác xã đã đầu tư máy tráng, máy thái và đóng gói có nhãn mác, truy xuất nguồn gốc,
nhờ đó sản phẩm vào được các cửa hàng đặc sản và siêu thị.</p>
<p>Người trồng dong riềng cho biết giá thu mua năm nay ổn định, giúp bà con yên tâm duy trì vùng
nguyên liệu.</p>
""",
        author="Lan Anh",
        caption="Ảnh minh họa: cánh đồng ven chân núi.",
    ),
    DemoArticle(
        title="Hợp tác xã chè Shan tuyết mở rộng vùng nguyên liệu đạt chuẩn",
        category="kinh-te",
        days_ago=8,
        at="11:30",
        scene="forest",
        lead=(
            "Từ những cây chè cổ thụ trên núi cao, hợp tác xã đã liên kết với các hộ dân để chăm "
            "sóc, thu hái theo quy trình thống nhất."
        ),
        body="""
<p>Các thành viên được tập huấn kỹ thuật thu hái một tôm hai lá, không dùng thuốc bảo vệ thực vật
và ghi chép nhật ký sản xuất cho từng lô chè.</p>
<p>Sản phẩm chè xanh, hồng trà và bạch trà của hợp tác xã được đóng gói nhỏ, phù hợp làm quà
tặng cho du khách.</p>
<p>Trong thời gian tới, hợp tác xã dự kiến xây dựng thêm xưởng chế biến để nâng cao giá trị cho
người trồng chè.</p>
""",
        author="Minh Châu",
        caption="Ảnh minh họa: đồi chè và rừng cây trên núi cao.",
    ),
    DemoArticle(
        title="Đẩy nhanh tiến độ giải ngân vốn đầu tư công",
        category="kinh-te",
        days_ago=11,
        at="17:00",
        scene="town",
        lead=(
            "Các chủ đầu tư được yêu cầu lập kế hoạch giải ngân chi tiết theo từng tháng và báo "
            "cáo vướng mắc ngay khi phát sinh."
        ),
        body="""
<p>Theo đánh giá của ngành tài chính, một số dự án còn chậm do vướng mặt bằng, thời tiết mưa kéo
dài và năng lực của một số nhà thầu chưa đáp ứng.</p>
<p>Tỉnh thành lập các tổ công tác kiểm tra thực địa, kịp thời điều chuyển vốn từ dự án chậm sang
dự án có khả năng giải ngân tốt.</p>
<p>Người đứng đầu các cơ quan, đơn vị chịu trách nhiệm nếu để xảy ra chậm trễ kéo dài mà không
có lý do chính đáng.</p>
""",
        author="Hoài Nam",
        source="Sở Kế hoạch và Đầu tư",
        caption="Ảnh minh họa: công trình mới trong khu đô thị.",
    ),
    DemoArticle(
        title="Sản phẩm OCOP của tỉnh chuẩn bị tham gia hội chợ thương mại vùng",
        category="kinh-te",
        status="draft",
        scene="town",
        lead=(
            "Bản nháp — nhiều cơ sở sản xuất đăng ký gian hàng giới thiệu đặc sản địa phương tại "
            "hội chợ sắp tới."
        ),
        body="""
<p>Danh sách sản phẩm dự kiến gồm miến dong, chè Shan tuyết, mật ong rừng và các sản phẩm từ
cam, quýt.</p>
<p>Ban biên tập sẽ bổ sung thời gian, địa điểm và danh sách đơn vị tham gia khi có thông báo
chính thức.</p>
<p>Bài viết đang ở trạng thái nháp nên chưa hiển thị với bạn đọc.</p>
""",
        author="Ban biên tập",
        caption="Ảnh minh họa: gian hàng giới thiệu sản phẩm địa phương.",
    ),
    DemoArticle(
        title="Nông dân vùng hồ vào mùa thu hoạch hồng không hạt",
        category="nong-nghiep-nong-thon",
        days_ago=5,
        at="08:15",
        scene="lake",
        lead=(
            "Những vườn hồng không hạt ven hồ đang chín rộ, thương lái tìm đến tận vườn thu mua, "
            "mang lại nguồn thu đáng kể cho nhiều gia đình."
        ),
        body="""
<p>Hồng được thu hái khi quả chuyển màu vàng cam, sau đó ủ chín theo cách truyền thống để quả
giòn, ngọt và không chát.</p>
<p>Nhiều hộ đã chăm sóc vườn theo hướng hữu cơ, cắt tỉa cành và bón phân chuồng hoai mục, nhờ đó
quả to, đều và ít sâu bệnh.</p>
<p>Chính quyền địa phương đang hỗ trợ người dân xây dựng nhãn hiệu tập thể và quảng bá sản phẩm
qua các sàn thương mại điện tử.</p>
""",
        author="Bích Ngọc",
        caption="Ảnh minh họa: mặt hồ phẳng lặng giữa núi.",
    ),
    DemoArticle(
        title="Nông thôn mới: thôn, bản đổi thay từ những con đường bê tông",
        category="nong-nghiep-nong-thon",
        days_ago=14,
        at="10:40",
        scene="fields",
        lead=(
            "Với phương châm “Nhà nước và nhân dân cùng làm”, nhiều thôn đã hoàn thành đường bê "
            "tông nội đồng, nhà văn hóa và hệ thống nước sạch."
        ),
        body="""
<p>Người dân tự nguyện hiến đất, góp ngày công để mở rộng đường; Nhà nước hỗ trợ xi măng và một
phần kinh phí mua cát, sỏi.</p>
<p>Đường sá thuận lợi giúp máy làm đất, máy gặt vào tận ruộng, giảm công lao động và tăng hiệu
quả sản xuất.</p>
<h2>Giữ vững các tiêu chí đã đạt</h2>
<p>Các xã đã đạt chuẩn tiếp tục rà soát, nâng cao chất lượng từng tiêu chí, hướng tới xây dựng
nông thôn mới nâng cao và kiểu mẫu.</p>
""",
        author="Văn Thịnh",
        source="Văn phòng Điều phối nông thôn mới tỉnh",
        caption="Ảnh minh họa: ruộng bậc thang và nhà sàn.",
    ),
    DemoArticle(
        title="Hồ Ba Bể hút khách trải nghiệm chèo thuyền kayak",
        category="van-hoa-du-lich",
        days_ago=2,
        at="11:00",
        scene="lake",
        lead=(
            "Bên cạnh đi thuyền máy ngắm cảnh, chèo thuyền kayak trên mặt hồ đang được nhiều "
            "du khách trẻ lựa chọn."
        ),
        body="""
<p>Các điểm cho thuê thuyền đều trang bị áo phao, hướng dẫn an toàn trước khi xuống nước và chỉ
cho chèo trong khu vực quy định.</p>
<p>Du khách có thể chèo qua những đoạn hồ yên tĩnh, ngắm vách đá và rừng nguyên sinh, rồi dừng
chân tại các bản ven hồ để thưởng thức ẩm thực địa phương.</p>
<p>Ban quản lý khu du lịch khuyến cáo du khách không xả rác xuống hồ và tuân thủ hướng dẫn của
nhân viên cứu hộ.</p>
""",
        author="Hồng Nhung",
        caption="Ảnh minh họa: thuyền nhỏ trên mặt hồ giữa núi rừng.",
    ),
    DemoArticle(
        title="Giữ gìn làn điệu then, đàn tính trong đời sống đồng bào Tày",
        category="van-hoa-du-lich",
        days_ago=7,
        at="20:00",
        scene="forest",
        lead=(
            "Các câu lạc bộ hát then, đàn tính ở nhiều thôn, bản đang góp phần đưa di sản đến "
            "gần hơn với thế hệ trẻ."
        ),
        body="""
<p>Mỗi tuần, các nghệ nhân lớn tuổi dành một buổi tối truyền dạy cho thanh thiếu niên cách giữ
nhịp đàn, luyến láy và ý nghĩa của từng làn điệu.</p>
<p>Nhiều trường học đã đưa hát then vào hoạt động ngoại khóa; các em học sinh biểu diễn trong
những dịp lễ hội và đón khách du lịch.</p>
<blockquote><p>“Còn người hát, người nghe thì then còn sống mãi với bản làng.”</p></blockquote>
<p>Ngành văn hóa đang hỗ trợ sưu tầm, ghi âm các bài then cổ để lưu giữ lâu dài.</p>
""",
        author="Thu Hà",
        caption="Ảnh minh họa: nhà sàn bên rừng, nơi sinh hoạt câu lạc bộ then.",
    ),
    DemoArticle(
        title="Homestay nhà sàn – hướng đi mới của du lịch cộng đồng",
        category="van-hoa-du-lich",
        days_ago=13,
        at="09:45",
        scene="lake",
        lead=(
            "Giữ nguyên kiến trúc nhà sàn truyền thống, nhiều gia đình ven hồ đã cải tạo chỗ ở để "
            "đón khách lưu trú và giới thiệu nếp sinh hoạt của người Tày."
        ),
        body="""
<p>Du khách được cùng gia chủ nấu cơm lam, làm bánh, đánh bắt cá trên hồ và nghe kể chuyện về
phong tục của bản.</p>
<p>Các hộ làm homestay được tập huấn kỹ năng đón tiếp, vệ sinh an toàn thực phẩm và giữ gìn cảnh
quan chung.</p>
<p>Mô hình giúp nhiều gia đình có thêm thu nhập mà vẫn giữ được nếp nhà và bản sắc văn hóa.</p>
""",
        author="Hồng Nhung",
        caption="Ảnh minh họa: hồ nước và dãy núi phía xa.",
    ),
    DemoArticle(
        title="Ngày hội văn hóa các dân tộc sẽ khai mạc vào cuối tuần",
        category="van-hoa-du-lich",
        scheduled_in_days=5,
        at="07:00",
        scene="town",
        lead=(
            "Ngày hội gồm trình diễn trang phục truyền thống, thi hát then, đàn tính, các trò chơi "
            "dân gian và gian hàng ẩm thực."
        ),
        body="""
<p>Bài viết được hẹn giờ đăng nên bạn đọc chỉ thấy khi đến thời điểm xuất bản.</p>
<p>Ban tổ chức dự kiến có đông đảo đoàn nghệ nhân từ các huyện, thành phố tham gia.</p>
<p>Chương trình chi tiết sẽ được thông báo trên Cổng thông tin điện tử.</p>
""",
        author="Thu Hà",
        caption="Ảnh minh họa: quảng trường trung tâm thành phố.",
    ),
    DemoArticle(
        title="Trường bán trú chăm lo bữa ăn cho học sinh vùng cao",
        category="giao-duc",
        days_ago=3,
        at="12:30",
        scene="forest",
        lead=(
            "Vườn rau do thầy trò cùng trồng và sự hỗ trợ của phụ huynh giúp bữa ăn bán trú của "
            "học sinh thêm đủ chất."
        ),
        body="""
<p>Thực đơn được xây dựng theo tuần, có thịt, cá, trứng và rau xanh; nhà trường công khai chi
phí để phụ huynh cùng giám sát.</p>
<p>Giáo viên thay nhau trực buổi trưa, hướng dẫn các em giữ vệ sinh, sắp xếp chỗ nghỉ và tự giác
học bài buổi tối.</p>
<p>Nhờ được chăm lo tốt, tỷ lệ học sinh đi học chuyên cần tăng rõ rệt so với những năm
trước.</p>
""",
        author="Phương Thảo",
        caption="Ảnh minh họa: điểm trường giữa núi rừng.",
    ),
    DemoArticle(
        title="Tăng cường tiếng Việt cho trẻ mầm non vùng dân tộc thiểu số",
        category="giao-duc",
        days_ago=10,
        at="08:50",
        scene="fields",
        lead=(
            "Các trường mầm non tổ chức góc tiếng Việt, kể chuyện bằng tranh và phối hợp với phụ "
            "huynh để trẻ tự tin trước khi vào lớp Một."
        ),
        body="""
<p>Giáo viên dùng tranh ảnh, đồ vật quen thuộc trong gia đình và bài hát thiếu nhi để trẻ làm
quen với từ ngữ mới mỗi ngày.</p>
<p>Phụ huynh được hướng dẫn trò chuyện với con bằng tiếng Việt ở nhà, cùng con đọc truyện tranh
vào buổi tối.</p>
<p>Kết quả đánh giá cuối năm học cho thấy phần lớn trẻ mẫu giáo lớn đã mạnh dạn giao tiếp, sẵn
sàng cho bậc tiểu học.</p>
""",
        author="Phương Thảo",
        source="Sở Giáo dục và Đào tạo",
        caption="Ảnh minh họa: đồng lúa gần điểm trường mầm non.",
    ),
    DemoArticle(
        title="Học sinh đạt nhiều giải trong kỳ thi chọn học sinh giỏi",
        category="giao-duc",
        days_ago=18,
        at="16:20",
        scene="town",
        lead=(
            "Kết quả phản ánh sự đầu tư bài bản của các nhà trường trong công tác phát hiện và bồi "
            "dưỡng học sinh có năng khiếu."
        ),
        body="""
<p>Các đội tuyển được ôn luyện theo chuyên đề, kết hợp học trực tiếp và học trực tuyến với giáo
viên có kinh nghiệm.</p>
<p>Nhiều học sinh đến từ các huyện vùng cao đạt giải, cho thấy chất lượng giáo dục ở vùng khó
khăn đã có tiến bộ.</p>
<p>Ngành giáo dục sẽ khen thưởng kịp thời các em học sinh và giáo viên có thành tích.</p>
""",
        author="Kim Oanh",
        caption="Ảnh minh họa: khu trường học trong thành phố.",
    ),
    DemoArticle(
        title="Đưa bác sĩ về trạm y tế xã vùng sâu",
        category="y-te",
        days_ago=4,
        at="14:30",
        scene="forest",
        lead=(
            "Các bác sĩ trẻ luân phiên về làm việc tại trạm y tế xã giúp người dân được khám, "
            "chữa bệnh ngay tại địa phương."
        ),
        body="""
<p>Mỗi đợt luân phiên kéo dài vài tháng; bác sĩ vừa khám bệnh, vừa hướng dẫn chuyên môn cho
nhân viên trạm y tế.</p>
<p>Người dân ở các thôn xa không còn phải đi hàng chục cây số lên tuyến huyện với những bệnh
thông thường.</p>
<p>Ngành y tế đề xuất chính sách hỗ trợ nhà ở và phụ cấp để thu hút bác sĩ gắn bó lâu dài với
vùng cao.</p>
""",
        author="Mai Linh",
        source="Sở Y tế",
        caption="Ảnh minh họa: đường vào trạm y tế xã giữa rừng.",
    ),
    DemoArticle(
        title="Tiêm chủng mở rộng: bảo đảm an toàn, đúng lịch cho trẻ nhỏ",
        category="y-te",
        days_ago=9,
        at="07:50",
        scene="town",
        lead=(
            "Các trạm y tế tổ chức buổi tiêm chủng định kỳ hằng tháng, nhắn tin nhắc lịch cho phụ "
            "huynh và tiêm bù cho trẻ bị lỡ mũi."
        ),
        body="""
<p>Trước khi tiêm, trẻ được khám sàng lọc; sau tiêm, phụ huynh được hướng dẫn theo dõi tại chỗ
30 phút và tiếp tục theo dõi tại nhà.</p>
<p>Ở các thôn xa, cán bộ y tế thôn bản đến từng nhà vận động, giúp tỷ lệ tiêm chủng đầy đủ duy
trì ở mức cao.</p>
<p>Phụ huynh cần mang theo sổ tiêm chủng và thông báo cho nhân viên y tế nếu trẻ có dấu hiệu bất
thường.</p>
""",
        author="Mai Linh",
        caption="Ảnh minh họa: khu dân cư trung tâm huyện.",
    ),
    DemoArticle(
        title="Khám sàng lọc miễn phí cho người cao tuổi",
        category="y-te",
        days_ago=15,
        at="09:10",
        scene="fields",
        lead=(
            "Chương trình giúp phát hiện sớm tăng huyết áp, đái tháo đường và các bệnh mạn tính "
            "thường gặp ở người cao tuổi."
        ),
        body="""
<p>Người cao tuổi được đo huyết áp, xét nghiệm đường huyết, tư vấn dinh dưỡng và cấp thuốc thông
thường miễn phí.</p>
<p>Những trường hợp nghi mắc bệnh được hướng dẫn lên tuyến trên kiểm tra và lập hồ sơ quản lý sức
khỏe tại trạm y tế.</p>
<p>Hội người cao tuổi các xã phối hợp đưa đón các cụ đi lại khó khăn đến điểm khám.</p>
""",
        author="Ngọc Ánh",
        caption="Ảnh minh họa: cánh đồng của một xã vùng thấp.",
    ),
    DemoArticle(
        title="Diễn tập khu vực phòng thủ cấp huyện đạt kết quả tốt",
        category="quoc-phong-an-ninh",
        days_ago=8,
        at="17:30",
        scene="forest",
        lead=(
            "Cuộc diễn tập giúp nâng cao năng lực lãnh đạo, chỉ đạo của cấp ủy, chính quyền và khả "
            "năng phối hợp giữa các lực lượng."
        ),
        body="""
<p>Các tình huống được xây dựng sát thực tế, gồm phòng chống thiên tai, cứu hộ cứu nạn và bảo vệ
an ninh trật tự ở địa bàn.</p>
<p>Lực lượng dân quân, công an xã và các ngành liên quan phối hợp nhịp nhàng, xử lý các tình
huống nhanh và đúng quy trình.</p>
<p>Ban chỉ đạo đánh giá cuộc diễn tập đạt mục đích, yêu cầu đề ra, bảo đảm an toàn tuyệt
đối.</p>
""",
        author="Trung Kiên",
        source="Bộ Chỉ huy Quân sự tỉnh",
        caption="Ảnh minh họa: vùng đồi rừng nơi tổ chức diễn tập.",
    ),
    DemoArticle(
        title="Công an xã bám địa bàn, giữ bình yên thôn bản",
        category="quoc-phong-an-ninh",
        days_ago=17,
        at="19:15",
        scene="fields",
        lead=(
            "Công an chính quy về xã đã nắm chắc tình hình, giải quyết kịp thời những vụ việc phát "
            "sinh ngay từ cơ sở."
        ),
        body="""
<p>Cán bộ công an xã thường xuyên đến từng thôn, cùng trưởng thôn hòa giải mâu thuẫn và tuyên
truyền phòng chống lừa đảo qua mạng.</p>
<p>Việc hướng dẫn người dân làm thủ tục căn cước, đăng ký cư trú được thực hiện ngay tại nhà văn
hóa thôn, giúp bà con đỡ phải đi lại.</p>
<p>Nhờ đó, tình hình an ninh trật tự ở nhiều xã được giữ vững, người dân yên tâm làm ăn.</p>
""",
        author="Đức Mạnh",
        caption="Ảnh minh họa: ruộng đồng yên bình của một thôn.",
    ),
]

# ---------------------------------------------------------------------------
# Pages: the placements of each demo page, with their settings
# ---------------------------------------------------------------------------

HOTLINE_HTML = """
<p><strong>Đường dây nóng:</strong> <a href="tel:+842093000000">0209 3 000 000</a></p>
<p><strong>Thư điện tử:</strong> <a href="mailto:bientap@example.org">bientap@example.org</a></p>
<p>Nội dung trên trang là dữ liệu mẫu dùng để trình diễn; số điện thoại và địa chỉ chỉ mang
tính minh họa.</p>
"""

TOURISM_HTML = """
<p>Du khách đến Bắc Kạn có thể tham quan hồ Ba Bể, các bản làng người Tày và thưởng thức đặc
sản địa phương.</p>
<ul>
<li>Mùa đẹp nhất: từ tháng 9 đến tháng 11.</li>
<li>Nên mang áo ấm khi nghỉ đêm ven hồ vào mùa đông.</li>
</ul>
<p>Thông tin hỗ trợ du khách: <a href="tel:+842093000001">0209 3 000 001</a> (số minh họa).</p>
"""

ABOUT_HTML = """
<p>Cổng thông tin điện tử tỉnh Bắc Kạn là kênh thông tin chính thống của tỉnh trên Internet,
cung cấp tin tức về hoạt động của các cơ quan nhà nước, tình hình kinh tế – xã hội, văn hóa và
du lịch của địa phương.</p>
<h2>Nhiệm vụ</h2>
<ul>
<li>Đăng tải kịp thời thông tin chỉ đạo, điều hành của tỉnh.</li>
<li>Giới thiệu tiềm năng, thế mạnh và điểm đến du lịch.</li>
<li>Tiếp nhận ý kiến, góp ý của người dân và doanh nghiệp.</li>
</ul>
<p>Trang này là bản trình diễn: các bài viết, số liệu và thông tin liên hệ đều là dữ liệu mẫu.</p>
"""

CONTACT_HTML = """
<p><strong>Ban biên tập Cổng thông tin điện tử tỉnh Bắc Kạn</strong></p>
<p>Địa chỉ: phường Đức Xuân, thành phố Bắc Kạn, tỉnh Bắc Kạn (địa chỉ minh họa).</p>
<p>Điện thoại: <a href="tel:+842093000000">0209 3 000 000</a> (số minh họa)</p>
<p>Thư điện tử: <a href="mailto:bientap@example.org">bientap@example.org</a></p>
<p>Bạn đọc gửi tin bài, ảnh hoặc góp ý xin ghi rõ họ tên, địa chỉ và số điện thoại để ban biên
tập tiện liên hệ.</p>
"""

FOOTER_SETTINGS = {
    "organisation": "Ủy ban nhân dân tỉnh Bắc Kạn",
    "address": "Phường Đức Xuân, thành phố Bắc Kạn, tỉnh Bắc Kạn (địa chỉ minh họa)",
    "phone": "0209 3 000 000",
    "email": "bientap@example.org",
    "note": (
        "Cơ quan quản lý: Ban biên tập Cổng thông tin điện tử tỉnh.\n"
        "Dữ liệu trình diễn — thông tin liên hệ chỉ mang tính minh họa."
    ),
    "copyright": "",
}


@dataclass(frozen=True)
class DemoPage:
    """A demo page and its own placements: ``blocks`` are (region, block name, settings)."""

    key: str
    kind: str
    title: str
    layout: str
    blocked_regions: tuple[str, ...]
    blocks: tuple[tuple[str, str, dict[str, Any]], ...]
    path: str | None = None
    parent: str | None = None
    category: str | None = None


def _article_page_blocks(related_title: str) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        ("main", "breadcrumb", {}),
        ("main", "bulletin_toolbar", {"show_font_size": True, "show_print": True}),
        ("main", "bulletin_view", {"show_lead": True, "show_image": True, "show_source": True}),
        ("main", "related_articles", {"title": related_title, "count": 5}),
    ]


def _category_section(slug: str, name: str) -> tuple[str, str, dict[str, Any]]:
    """A compact list of one top-level category for the home page."""
    settings = {
        "title": name,
        "category": slug,
        "include_subcategories": True,
        "count": 4,
        "show_lead": False,
        "show_image": False,
        "style": "compact",
    }
    return ("main", "article_list", settings)


def demo_pages() -> list[DemoPage]:
    """The pages of the demo site, parents before children."""
    top_categories = [(slug, name) for slug, name, parent, _ in CATEGORIES if parent is None]
    latest = {
        "title": "Tin mới nhất",
        "category": "",
        "count": 6,
        "show_lead": True,
        "show_image": True,
        "style": "cards",
    }
    tourism_list = {
        "title": "Khám phá Bắc Kạn",
        "category": "van-hoa-du-lich",
        "count": 4,
        "show_lead": False,
        "show_image": True,
        "style": "compact",
    }
    hotline = {"title": "Thông tin liên hệ", "html": HOTLINE_HTML}
    return [
        DemoPage(
            key="home",
            kind="home",
            title="Trang chủ",
            path="/",
            layout="main_sidebar",
            blocked_regions=(),
            blocks=(
                ("header", "site_header", {"title": "", "tagline": "", "show_today": True}),
                ("header", "category_menu", {"show_home": True, "depth": 2}),
                ("main", "article_list", latest),
                *(_category_section(slug, name) for slug, name in top_categories),
                ("sidebar", "article_list", tourism_list),
                ("sidebar", "rich_text", hotline),
                ("footer", "site_footer", FOOTER_SETTINGS),
            ),
        ),
        DemoPage(
            key="category",
            kind="category",
            title="Trang chuyên mục",
            parent="home",
            layout="main_sidebar",
            blocked_regions=("main", "sidebar"),
            blocks=(
                ("main", "breadcrumb", {}),
                (
                    "main",
                    "article_list",
                    # No title: the list stands under the category's name.
                    {"title": "", "category": "", "count": 10, "paginate": True, "style": "list"},
                ),
                (
                    "sidebar",
                    "article_list",
                    {
                        "title": "Tin thời sự",
                        "category": "thoi-su",
                        "count": 6,
                        "show_lead": False,
                        "show_image": False,
                        "style": "compact",
                    },
                ),
                ("sidebar", "rich_text", hotline),
            ),
        ),
        DemoPage(
            key="category-tourism",
            kind="category",
            title="Chuyên mục Văn hóa – Du lịch",
            parent="category",
            category="van-hoa-du-lich",
            layout="main_sidebar",
            blocked_regions=("main",),
            blocks=(
                ("main", "breadcrumb", {}),
                (
                    "main",
                    "article_list",
                    {"title": "", "category": "", "count": 9, "paginate": True, "style": "cards"},
                ),
            ),
        ),
        DemoPage(
            key="article",
            kind="article",
            title="Trang bài viết",
            parent="home",
            layout="one_column",
            blocked_regions=("main",),
            blocks=tuple(_article_page_blocks("Tin liên quan")),
        ),
        DemoPage(
            key="article-tourism",
            kind="article",
            title="Bài viết Văn hóa – Du lịch",
            parent="article",
            category="van-hoa-du-lich",
            layout="main_sidebar",
            blocked_regions=("main", "sidebar"),
            blocks=(
                *_article_page_blocks("Cùng chủ đề du lịch"),
                ("sidebar", "article_list", {**tourism_list, "title": "Điểm đến Bắc Kạn"}),
                ("sidebar", "rich_text", {"title": "Thông tin du lịch", "html": TOURISM_HTML}),
            ),
        ),
        DemoPage(
            key="about",
            kind="static",
            title="Giới thiệu",
            path="/gioi-thieu",
            parent="home",
            layout="main_sidebar",
            blocked_regions=("main",),
            blocks=(("main", "rich_text", {"title": "Giới thiệu", "html": ABOUT_HTML}),),
        ),
        DemoPage(
            key="contact",
            kind="static",
            title="Liên hệ",
            path="/lien-he",
            parent="home",
            layout="main_sidebar",
            blocked_regions=("main",),
            blocks=(("main", "rich_text", {"title": "Liên hệ", "html": CONTACT_HTML}),),
        ),
    ]


# ---------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------


class DemoSettingsError(ValueError):
    """A demo placement's settings are rejected by its block: a bug in this module."""


@dataclass
class DemoCounts:
    categories: int = 0
    articles: int = 0
    pages: int = 0
    placements: int = 0

    def summary(self) -> str:
        return (
            f"{self.categories} chuyên mục, {self.articles} bài viết, "
            f"{self.pages} trang, {self.placements} khối"
        )


def load_demo() -> str:
    """Add the demo site to the current app's database and return a short summary.

    Adds only what is missing, all in one transaction; the photos of new
    articles go into the media library (their files are removed again if the
    transaction fails). A block that is not installed gets its placement with
    the settings as written here, so reinstalling the plugin shows it.
    """
    counts = DemoCounts()
    with unit_of_work(Actor.system("Nội dung mẫu")) as unit:
        categories = _ensure_categories(counts)
        new_articles = _ensure_articles(categories, counts)
        _ensure_pages(categories, counts)
        db.session.flush()
        for article in new_articles:
            if article.is_public:
                unit.announce(article_event("published", article))
    return counts.summary()


def _ensure_categories(counts: DemoCounts) -> dict[str, Category]:
    existing = {c.slug: c for c in db.session.scalars(select(Category))}
    for position, (slug, name, parent_slug, description) in enumerate(CATEGORIES):
        if slug in existing:
            continue
        parent = existing[parent_slug] if parent_slug else None
        category = Category(
            name=name,
            slug=slug,
            description=description,
            parent_id=parent.id if parent else None,
            position=position,
        )
        db.session.add(category)
        db.session.flush()
        existing[slug] = category
        counts.categories += 1
    return existing


def _site_timezone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("PORTAL_TIMEZONE") or "Asia/Ho_Chi_Minh")


def publication_time(item: DemoArticle, today: datetime) -> datetime | None:
    """When a demo article is (or will be) published, as an aware UTC datetime.

    ``today`` is the current time in the site's time zone; dates are spread
    back from it so the demo always looks fresh.
    """
    if item.status == "draft":
        return None
    hour, minute = (int(part) for part in item.at.split(":"))
    tz = today.tzinfo
    if item.published_on:
        day = datetime.fromisoformat(item.published_on).date()
    elif item.scheduled_in_days:
        day = (today + timedelta(days=item.scheduled_in_days)).date()
    else:
        day = (today - timedelta(days=item.days_ago)).date()
    return datetime.combine(day, time(hour, minute), tzinfo=tz).astimezone(UTC)


def demo_image_name(number: int) -> str:
    """The file name demo photo ``number`` has in the media library."""
    return f"demo-{number:02d}.jpg"


def _library_photo(number: int, item: DemoArticle, existing: dict[str, MediaImage]) -> MediaImage:
    """Demo photo ``number`` from the media library, uploaded there if it is missing.

    It goes the way of every upload (portal.media: checked, re-encoded, resized,
    stored under a random name); only the re-encoding is remembered between
    loads, since the same drawing always gives the same result.
    """
    name = demo_image_name(number)
    if name not in existing:
        widths = tuple(int(w) for w in current_app.config["PORTAL_IMAGE_WIDTHS"])
        existing[name] = store_image(
            _prepared_photo(number, item.scene, widths),
            name,
            alt=image_description(number, item.scene),
            caption=item.caption,
        )
    return existing[name]


@functools.lru_cache(maxsize=64)
def _prepared_photo(number: int, scene: str, widths: tuple[int, ...]) -> PreparedImage:
    return prepare_image(draw_landscape(number, scene), widths)


def _ensure_articles(categories: dict[str, Category], counts: DemoCounts) -> list[Article]:
    today = datetime.now(_site_timezone())
    existing_ids = set(
        db.session.scalars(
            select(Article.external_id).where(Article.external_id.like(f"{DEMO_ID_PREFIX}%"))
        )
    )
    photos = {
        media.original_name: media
        for media in db.session.scalars(
            select(MediaImage).where(
                MediaImage.original_name.in_(
                    [demo_image_name(n) for n in range(1, len(ARTICLES) + 1)]
                ),
                MediaImage.uploaded_by_id.is_(None),
            )
        )
    }
    created = []
    for number, item in enumerate(ARTICLES, start=1):
        slug = slugify(item.title)
        external_id = DEMO_ID_PREFIX + slug
        if external_id in existing_ids:
            continue
        photo = _library_photo(number, item, photos)
        article = Article(
            external_id=external_id,
            title=item.title,
            slug=slug,
            lead=item.lead,
            body_html=sanitize_html(item.body.strip()),
            image=photo.stored_name,
            image_id=photo.id,
            image_caption=item.caption,
            image_alt=image_description(number, item.scene),
            author=item.author,
            source=item.source,
            category_id=categories[item.category].id,
            status=item.status,
            published_at=publication_time(item, today),
        )
        db.session.add(article)
        created.append(article)
        counts.articles += 1
    db.session.flush()
    return created


def _ensure_pages(categories: dict[str, Category], counts: DemoCounts) -> None:
    plugins = plugins_of(current_app)
    pages: dict[str, Page] = {}
    for spec in demo_pages():
        category_id = categories[spec.category].id if spec.category else None
        existing = _existing_page(spec.kind, spec.path, category_id)
        if existing is not None:
            pages[spec.key] = existing
            continue
        parent = pages.get(spec.parent) if spec.parent else None
        page = Page(
            kind=spec.kind,
            title=spec.title,
            path=spec.path,
            layout=spec.layout,
            category_id=category_id,
            parent_id=parent.id if parent else None,
            blocked_regions=list(spec.blocked_regions),
        )
        db.session.add(page)
        db.session.flush()
        pages[spec.key] = page
        counts.pages += 1
        positions: dict[str, int] = {}
        for region, block_name, settings in spec.blocks:
            position = positions.get(region, 0)
            positions[region] = position + 1
            db.session.add(
                Placement(
                    page_id=page.id,
                    region=region,
                    position=position,
                    block_name=block_name,
                    settings=_checked_settings(plugins, block_name, settings),
                )
            )
            counts.placements += 1
    db.session.flush()


def _existing_page(kind: str, path: str | None, category_id: int | None) -> Page | None:
    """The page that plays this demo page's part already, if any."""
    if path is not None:
        return db.session.scalar(select(Page).where(Page.path == path))
    query = select(Page).where(Page.kind == kind)
    if category_id is None:
        query = query.where(Page.category_id.is_(None))
    else:
        query = query.where(Page.category_id == category_id)
    return db.session.scalars(query.order_by(Page.id)).first()


def _checked_settings(plugins, block_name: str, settings: dict[str, Any]) -> dict[str, Any]:
    """The settings as the block's form cleans them; as given when the block is missing."""
    block = plugins.block(block_name)
    if block is None:
        return dict(settings)
    clean, errors = block.validate_settings(settings)
    if errors:
        raise DemoSettingsError(f"demo settings for block {block_name!r} are invalid: {errors}")
    return clean


# ---------------------------------------------------------------------------
# Photos: landscapes drawn with Pillow
# ---------------------------------------------------------------------------

IMAGE_SIZE = (1200, 675)
JPEG_OPTIONS = {"quality": 82, "progressive": True, "optimize": True}

# time of day -> (sky at the top, sky at the horizon, sun), and how to describe it
SKIES = {
    "morning": ((118, 170, 222), (252, 226, 190), (255, 244, 214)),
    "noon": ((62, 132, 214), (186, 218, 240), (255, 252, 236)),
    "evening": ((74, 92, 160), (250, 170, 110), (255, 214, 150)),
}
SKY_WORDS = {
    "morning": "bầu trời buổi sáng",
    "noon": "bầu trời xanh giữa trưa",
    "evening": "bầu trời hoàng hôn",
}
SCENE_WORDS = {
    "fields": "dãy núi xanh phía xa, cánh đồng lúa trải dài và một ngôi nhà sàn",
    "lake": "mặt hồ phẳng lặng in bóng núi, một chiếc thuyền nhỏ trên hồ",
    "town": "những tòa nhà nhiều tầng mái đỏ dưới chân núi và con đường dẫn vào phố",
    "forest": "đồi núi phủ rừng cây xanh và một ngôi nhà sàn giữa rừng",
}
SCENES = tuple(SCENE_WORDS)


def _image_seed(number: int) -> str:
    return f"blockportal-demo-photo-{number}"


def _time_of_day(number: int) -> str:
    return random.Random(_image_seed(number)).choice(list(SKIES))


def image_description(number: int, scene: str) -> str:
    """Alt text that says what demo photo ``number`` really shows."""
    return f"Tranh phong cảnh minh họa: {SCENE_WORDS[scene]}, {SKY_WORDS[_time_of_day(number)]}."


@functools.lru_cache(maxsize=64)
def draw_landscape(number: int, scene: str) -> bytes:
    """A 1200×675 JPEG landscape, the same bytes for the same number and scene.

    Drawing all photos takes about a second, so the bytes are kept for the
    life of the process (loading the demo again reuses them).
    """
    if scene not in SCENE_WORDS:
        raise ValueError(f"unknown scene {scene!r}; choose one of {', '.join(SCENES)}")
    rng = random.Random(_image_seed(number))
    time_of_day = rng.choice(list(SKIES))
    horizon_color = SKIES[time_of_day][1]
    width, height = IMAGE_SIZE
    horizon = int(height * rng.uniform(0.50, 0.60))

    image = _draw_sky(rng, SKIES[time_of_day], horizon)
    draw = ImageDraw.Draw(image)
    flat = scene in {"lake", "town"}
    near = rng.choice(((46, 96, 58), (38, 86, 70), (58, 104, 52)))
    layers = 3 if flat else 4
    for layer in range(layers):
        depth = (layer + 1) / layers
        color = _mix(_mix(horizon_color, (90, 120, 140), 0.35), near, depth)
        base = horizon - 150 * (1 - depth) + (0 if flat else 40 * depth)
        ridge = _ridge(rng, width, base, rng.uniform(50, 100) * (1.2 - depth * 0.5), 1 + layer)
        if flat:
            ridge = [(x, min(y, horizon)) for x, y in ridge]
        draw.polygon([(0, height), *ridge, (width, height)], fill=color)

    if scene == "fields":
        _draw_fields(draw, rng, horizon + 40)
        _draw_stilt_house(
            draw, rng, rng.randint(100, width - 260), horizon + 70, rng.uniform(0.8, 1.1)
        )
    elif scene == "lake":
        _draw_lake(image, rng, horizon)
        _draw_boat(ImageDraw.Draw(image), rng, horizon)
    elif scene == "town":
        _draw_town(draw, rng, horizon + 10)
    else:
        _draw_forest(draw, rng, horizon)

    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", **JPEG_OPTIONS)
    return buffer.getvalue()


def _mix(a: tuple[int, ...], b: tuple[int, ...], t: float) -> tuple[int, ...]:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b, strict=True))


def _vertical_gradient(size: tuple[int, int], top: tuple, bottom: tuple) -> Image.Image:
    """A top-to-bottom colour gradient (one column computed, then stretched)."""
    width, height = size
    column = Image.new("RGB", (1, height))
    column.putdata([_mix(top, bottom, y / max(1, height - 1)) for y in range(height)])
    return column.resize(size, Image.Resampling.NEAREST)


def _ridge(rng: random.Random, width: int, base: float, amplitude: float, roughness: int):
    """A mountain ridge line: a few summed sine waves with a little noise."""
    waves = [
        (rng.uniform(0.5, 3.5) * roughness, rng.uniform(0, math.tau), rng.uniform(0.3, 1.0))
        for _ in range(4)
    ]
    total = sum(weight for _, _, weight in waves)
    points = []
    for x in range(0, width + 20, 20):
        t = x / width
        y = sum(w * math.sin(f * math.tau * t + p) for f, p, w in waves) / total
        points.append((x, base - amplitude * y + rng.uniform(-4, 4)))
    return points


def _draw_sky(rng: random.Random, colors: tuple, horizon: int) -> Image.Image:
    """Gradient sky, a sun with a soft halo and a few clouds, as a full-size RGBA image.

    The sky has no sharp edges, so it is painted at a quarter of the size and
    scaled up once: it looks the same and costs a fraction of full-size blurs.
    """
    sky_top, horizon_color, sun_color = colors
    width, height = IMAGE_SIZE
    scale = 4
    small = (width // scale, height // scale)
    sky = _vertical_gradient(small, sky_top, horizon_color).convert("RGBA")

    def shrink(box):
        return [value / scale for value in box]

    sun_x = rng.randint(150, width - 150)
    sun_y = rng.randint(80, horizon - 120)
    halo = Image.new("RGBA", small, (0, 0, 0, 0))
    draw = ImageDraw.Draw(halo)
    for radius, alpha in ((170, 50), (110, 80)):
        box = (sun_x - radius, sun_y - radius, sun_x + radius, sun_y + radius)
        draw.ellipse(shrink(box), fill=(*sun_color, alpha))
    sky.alpha_composite(halo.filter(ImageFilter.GaussianBlur(10)))

    layer = Image.new("RGBA", small, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    draw.ellipse(shrink((sun_x - 38, sun_y - 38, sun_x + 38, sun_y + 38)), fill=(*sun_color, 255))
    for _ in range(rng.randint(2, 5)):
        cx, cy = rng.randint(0, width), rng.randint(30, horizon - 150)
        for _ in range(5):
            dx, dy = rng.randint(-90, 90), rng.randint(-18, 18)
            rx, ry = rng.randint(50, 110), rng.randint(18, 34)
            box = (cx + dx - rx, cy + dy - ry, cx + dx + rx, cy + dy + ry)
            draw.ellipse(shrink(box), fill=(255, 255, 255, 70))
    sky.alpha_composite(layer.filter(ImageFilter.GaussianBlur(0.6)))
    return sky.resize(IMAGE_SIZE, Image.Resampling.BILINEAR)


def _draw_fields(draw: ImageDraw.ImageDraw, rng: random.Random, top: int) -> None:
    """Terraced rice fields: wavy bands of green and ripening yellow."""
    width, height = IMAGE_SIZE
    colors = [(128, 170, 72), (170, 190, 80), (206, 196, 96), (112, 156, 70)]
    bands = rng.randint(6, 9)
    phase = rng.uniform(0, math.tau)
    for band in range(bands):
        y0 = top + (height - top) * band / bands
        amplitude = 8 + band * 3
        edge = [
            (x, y0 + amplitude * math.sin(x / width * math.tau * 0.8 + phase + band * 0.4))
            for x in range(0, width + 40, 40)
        ]
        draw.polygon(
            [(0, height), *edge, (width, height)],
            fill=colors[(band + rng.randint(0, 3)) % len(colors)],
        )
        draw.line(edge, fill=(92, 120, 60), width=2)


def _draw_stilt_house(draw, rng: random.Random, x: float, y: float, scale: float) -> None:
    """A Tày stilt house (nhà sàn): posts, wooden walls, a wide roof."""
    w, h = 110 * scale, 46 * scale
    roof = rng.choice(((96, 64, 48), (120, 60, 44), (80, 80, 86)))
    for post_x in (x + 8 * scale, x + w / 2, x + w - 8 * scale):
        draw.rectangle(
            (post_x - 3 * scale, y, post_x + 3 * scale, y + 30 * scale), fill=(90, 62, 40)
        )
    draw.rectangle((x, y - h, x + w, y), fill=(150, 104, 66))
    draw.polygon(
        [(x - 18 * scale, y - h), (x + w / 2, y - h - 44 * scale), (x + w + 18 * scale, y - h)],
        fill=roof,
    )
    draw.rectangle((x + w * 0.4, y - h * 0.7, x + w * 0.6, y), fill=(70, 48, 32))


def _draw_lake(image: Image.Image, rng: random.Random, horizon: int) -> None:
    """Water below the horizon: the scene above mirrored, tinted, blurred, with ripples."""
    width, height = IMAGE_SIZE
    depth = height - horizon
    above = image.crop((0, horizon - depth, width, horizon)).transpose(
        Image.Transpose.FLIP_TOP_BOTTOM
    )
    tint = Image.new("RGB", (width, depth), (30, 80, 100))
    water = Image.blend(above.convert("RGB"), tint, 0.35).filter(ImageFilter.GaussianBlur(3))
    water = water.convert("RGBA")
    draw = ImageDraw.Draw(water)
    for _ in range(60):
        x, y, length = rng.randint(0, width), rng.randint(6, depth - 4), rng.randint(20, 110)
        draw.line((x, y, x + length, y), fill=(255, 255, 255, 50), width=1)
    image.alpha_composite(water, (0, horizon))


def _draw_boat(draw, rng: random.Random, horizon: int) -> None:
    width, height = IMAGE_SIZE
    x = rng.randint(250, width - 250)
    y = rng.randint(horizon + 60, height - 80)
    s = rng.uniform(0.8, 1.2)
    hull = (60, 40, 30)
    draw.polygon(
        [(x - 70 * s, y), (x + 70 * s, y), (x + 50 * s, y + 16 * s), (x - 50 * s, y + 16 * s)],
        fill=hull,
    )
    draw.line((x + 10 * s, y, x + 10 * s, y - 36 * s), fill=hull, width=max(1, int(3 * s)))
    draw.ellipse((x - 6 * s, y - 22 * s, x + 6 * s, y - 10 * s), fill=(200, 60, 50))


def _draw_town(draw, rng: random.Random, street: int) -> None:
    """A row of buildings with windows and red roofs, a road running into town."""
    width, height = IMAGE_SIZE
    draw.rectangle((0, street, width, height), fill=(120, 150, 90))
    x = rng.randint(-40, 20)
    while x < width:
        w, h = rng.randint(60, 130), rng.randint(60, 190)
        wall = rng.choice(((236, 226, 200), (220, 210, 230), (250, 240, 210), (214, 230, 236)))
        draw.rectangle((x, street - h, x + w, street + 20), fill=wall)
        if rng.random() < 0.5:
            draw.polygon(
                [(x - 6, street - h), (x + w / 2, street - h - 26), (x + w + 6, street - h)],
                fill=(170, 70, 50),
            )
        for window_y in range(street - h + 14, street + 6, 26):
            for window_x in range(x + 10, x + w - 16, 22):
                draw.rectangle(
                    (window_x, window_y, window_x + 10, window_y + 12), fill=(90, 110, 140)
                )
        x += w + rng.randint(4, 30)
    draw.polygon(
        [
            (width * 0.42, height),
            (width * 0.58, height),
            (width * 0.51, street + 22),
            (width * 0.49, street + 22),
        ],
        fill=(110, 110, 116),
    )


def _draw_tree(draw, rng: random.Random, x: float, y: float, size: float) -> None:
    crown = rng.choice(((34, 80, 44), (44, 96, 50), (28, 70, 52)))
    draw.rectangle((x - size * 0.08, y - size * 0.3, x + size * 0.08, y), fill=(86, 60, 40))
    draw.ellipse((x - size * 0.45, y - size * 1.1, x + size * 0.45, y - size * 0.25), fill=crown)


def _draw_forest(draw, rng: random.Random, horizon: int) -> None:
    """Trees from far to near, with a stilt house among them."""
    width, height = IMAGE_SIZE
    trees = sorted(
        ((rng.randint(0, width), rng.randint(horizon + 20, height + 30)) for _ in range(28)),
        key=lambda tree: tree[1],
    )
    house_y = horizon + 80
    house_x = rng.randint(100, width - 260)
    for x, y in trees:
        if y > house_y and house_x is not None:
            _draw_stilt_house(draw, rng, house_x, house_y, 1.0)
            house_x = None
        _draw_tree(draw, rng, x, y, 40 + (y - horizon) * 0.4)
    if house_x is not None:
        _draw_stilt_house(draw, rng, house_x, house_y, 1.0)
