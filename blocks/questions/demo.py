"""Sample questions for the demo site: answered ones in several fields, and two still new."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from portal import ContentEvent, content_changed, db, unit_of_work

from .content import SUBJECT, question_tags
from .models import NEW, PUBLISHED, Question, QuestionField, utcnow

FIELDS = (
    "Thủ tục hành chính",
    "Đất đai",
    "Giáo dục",
    "Y tế",
    "Lao động – việc làm",
    "Giao thông",
)

#: (field, asker, subject, question, answer paragraphs, answering unit)
ANSWERED = (
    (
        "Thủ tục hành chính",
        "Nguyễn Văn Hùng",
        "Làm lại căn cước bị mất ở đâu, mất bao lâu?",
        "Tôi thường trú tại thị trấn Chợ Rã, huyện Ba Bể, vừa bị mất thẻ căn cước. Xin hỏi "
        "tôi phải làm thủ tục cấp lại ở đâu, cần giấy tờ gì và bao lâu thì nhận được thẻ?",
        (
            "Công dân đề nghị cấp lại thẻ căn cước tại Công an cấp huyện nơi thường trú hoặc "
            "nộp trực tuyến trên Cổng dịch vụ công quốc gia. Công dân chỉ cần xuất trình thông "
            "tin định danh; cơ quan công an thu nhận ảnh và vân tay.",
            "Thời hạn cấp lại không quá 7 ngày làm việc kể từ ngày nhận đủ hồ sơ.",
        ),
        "Công an tỉnh Bắc Kạn",
    ),
    (
        "Thủ tục hành chính",
        "Hoàng Thị Mai",
        "Đăng ký khai sinh trực tuyến cho con",
        "Con tôi sinh tại Bệnh viện Đa khoa tỉnh. Tôi có thể đăng ký khai sinh trực tuyến "
        "không, hay phải lên Ủy ban nhân dân xã?",
        (
            "Cha hoặc mẹ có thể đăng ký khai sinh trực tuyến qua liên thông thủ tục hành chính "
            "“Đăng ký khai sinh – đăng ký thường trú – cấp thẻ bảo hiểm y tế cho trẻ dưới 6 "
            "tuổi” trên Cổng dịch vụ công quốc gia.",
            "Bản điện tử giấy khai sinh được gửi vào tài khoản của người yêu cầu; bản giấy được "
            "trả qua dịch vụ bưu chính công ích hoặc nhận tại Ủy ban nhân dân cấp xã.",
        ),
        "Sở Tư pháp",
    ),
    (
        "Đất đai",
        "Lý Văn Toàn",
        "Thời hạn cấp giấy chứng nhận quyền sử dụng đất lần đầu",
        "Gia đình tôi nộp hồ sơ đề nghị cấp giấy chứng nhận quyền sử dụng đất lần đầu tại "
        "bộ phận một cửa huyện Chợ Đồn đã hơn 20 ngày. Xin hỏi thời hạn giải quyết là bao lâu?",
        (
            "Theo quy định hiện hành, thời gian đăng ký, cấp giấy chứng nhận lần đầu không quá "
            "20 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ; không tính thời gian người sử "
            "dụng đất thực hiện nghĩa vụ tài chính và thời gian trích đo địa chính.",
            "Ông có thể tra cứu tình trạng hồ sơ bằng mã hồ sơ trên Cổng dịch vụ công của tỉnh "
            "hoặc liên hệ Chi nhánh Văn phòng đăng ký đất đai huyện Chợ Đồn.",
        ),
        "Sở Tài nguyên và Môi trường",
    ),
    (
        "Đất đai",
        "Đặng Thị Hoa",
        "Chuyển mục đích đất vườn sang đất ở",
        "Tôi có 300 m² đất vườn liền kề đất ở tại xã Nông Thượng. Muốn chuyển 100 m² sang đất "
        "ở để làm nhà cho con thì cần điều kiện gì?",
        (
            "Việc chuyển mục đích sử dụng đất phải phù hợp với kế hoạch sử dụng đất hằng năm "
            "của cấp huyện đã được phê duyệt. Bà nộp hồ sơ tại bộ phận một cửa của Ủy ban nhân "
            "dân thành phố Bắc Kạn và nộp tiền sử dụng đất theo quy định.",
        ),
        "Sở Tài nguyên và Môi trường",
    ),
    (
        "Giáo dục",
        "Triệu Văn Minh",
        "Tuyển sinh vào lớp 10 trường chuyên Bắc Kạn",
        "Con tôi học lớp 9 ở huyện Na Rì. Xin hỏi năm nay trường THPT Chuyên Bắc Kạn tuyển "
        "sinh theo hình thức nào và có chỉ tiêu nội trú không?",
        (
            "Trường THPT Chuyên Bắc Kạn tuyển sinh bằng hình thức thi tuyển, gồm các bài thi "
            "chung và bài thi môn chuyên. Kế hoạch tuyển sinh chi tiết được Sở Giáo dục và Đào "
            "tạo công bố trên trang thông tin điện tử của Sở trước kỳ thi.",
            "Học sinh ở xa được đăng ký ở ký túc xá của trường theo thông báo của nhà trường.",
        ),
        "Sở Giáo dục và Đào tạo",
    ),
    (
        "Giáo dục",
        "Ma Thị Thu",
        "Hỗ trợ tiền ăn cho học sinh bán trú",
        "Con tôi học tại trường phổ thông dân tộc bán trú ở xã Cốc Đán, nhà cách trường 12 km. "
        "Cháu có được hỗ trợ tiền ăn không?",
        (
            "Học sinh bán trú ở xã, thôn đặc biệt khó khăn, nhà ở xa trường hoặc địa hình cách "
            "trở được hỗ trợ tiền ăn và gạo theo chính sách của Nhà nước. Gia đình làm đơn gửi "
            "nhà trường; nhà trường lập danh sách trình Phòng Giáo dục và Đào tạo thẩm định.",
        ),
        "Sở Giáo dục và Đào tạo",
    ),
    (
        "Y tế",
        "Nông Văn Sơn",
        "Khám chữa bệnh bảo hiểm y tế trái tuyến",
        "Tôi có thẻ bảo hiểm y tế đăng ký ban đầu ở trạm y tế xã, nay lên Bệnh viện Đa khoa "
        "tỉnh khám thì có được thanh toán không?",
        (
            "Người có thẻ bảo hiểm y tế tự đi khám chữa bệnh nội trú tại bệnh viện tuyến tỉnh "
            "được quỹ bảo hiểm y tế thanh toán theo mức hưởng ghi trên thẻ. Khám ngoại trú trái "
            "tuyến tại tuyến tỉnh không được thanh toán, trừ trường hợp cấp cứu hoặc có giấy "
            "chuyển tuyến.",
        ),
        "Sở Y tế",
    ),
    (
        "Y tế",
        "Bế Thị Lan",
        "Tiêm vắc xin cho trẻ ở trạm y tế xã",
        "Lịch tiêm chủng mở rộng cho trẻ dưới 1 tuổi ở trạm y tế xã có thu phí không?",
        (
            "Các vắc xin trong chương trình tiêm chủng mở rộng được tiêm miễn phí tại trạm y tế "
            "xã theo lịch hằng tháng. Phụ huynh mang theo sổ hoặc phiếu tiêm chủng của trẻ.",
        ),
        "Trung tâm Kiểm soát bệnh tật tỉnh",
    ),
    (
        "Lao động – việc làm",
        "Hà Văn Dũng",
        "Hồ sơ hưởng trợ cấp thất nghiệp",
        "Tôi nghỉ việc ở công ty tại Thái Nguyên, nay về quê Bắc Kạn. Tôi có thể nộp hồ sơ "
        "hưởng trợ cấp thất nghiệp ở Bắc Kạn không?",
        (
            "Người lao động được chọn nơi nộp hồ sơ hưởng trợ cấp thất nghiệp tại trung tâm dịch "
            "vụ việc làm nơi muốn nhận trợ cấp, trong thời hạn 3 tháng kể từ ngày chấm dứt hợp "
            "đồng lao động.",
            "Hồ sơ gồm đề nghị hưởng trợ cấp, bản sao quyết định thôi việc và sổ bảo hiểm xã "
            "hội; có thể nộp trực tuyến trên Cổng dịch vụ công quốc gia.",
        ),
        "Sở Lao động – Thương binh và Xã hội",
    ),
    (
        "Lao động – việc làm",
        "Lục Thị Nga",
        "Vay vốn giải quyết việc làm để nuôi ong",
        "Gia đình tôi muốn vay vốn để mở rộng nuôi ong lấy mật. Xin hỏi mức vay tối đa và lãi "
        "suất như thế nào?",
        (
            "Hộ gia đình được vay vốn hỗ trợ tạo việc làm từ Ngân hàng Chính sách xã hội, qua tổ "
            "tiết kiệm và vay vốn ở thôn. Mức vay, lãi suất và thời hạn vay theo quy định hiện "
            "hành của Ngân hàng; bà liên hệ Phòng giao dịch Ngân hàng Chính sách xã hội cấp huyện.",
        ),
        "Sở Lao động – Thương binh và Xã hội",
    ),
    (
        "Giao thông",
        "Phùng Văn Quang",
        "Đổi giấy phép lái xe sang thẻ PET",
        "Giấy phép lái xe hạng B2 bằng giấy của tôi còn hạn đến 2027. Có bắt buộc đổi sang "
        "thẻ PET không và đổi ở đâu?",
        (
            "Giấy phép lái xe bằng giấy còn thời hạn vẫn có giá trị sử dụng; việc đổi sang thẻ "
            "không bắt buộc. Ông có thể đổi trực tuyến trên Cổng dịch vụ công quốc gia hoặc tại "
            "bộ phận một cửa của Sở Giao thông vận tải.",
        ),
        "Sở Giao thông vận tải",
    ),
    (
        "Giao thông",
        "Vi Thị Hằng",
        "Sửa chữa đoạn đường sạt lở vào thôn Nà Làng",
        "Đoạn đường vào thôn Nà Làng bị sạt lở sau mưa lớn, xe máy đi lại rất nguy hiểm. Bao "
        "giờ thì đoạn đường này được sửa?",
        (
            "Ủy ban nhân dân huyện đã cắm biển cảnh báo và bố trí kinh phí khắc phục tạm thời "
            "để bảo đảm đi lại. Việc sửa chữa hoàn chỉnh được đưa vào kế hoạch duy tu đường "
            "giao thông nông thôn năm tới.",
        ),
        "Ủy ban nhân dân huyện Bạch Thông",
    ),
)

UNANSWERED = (
    (
        "Thủ tục hành chính",
        "Trần Văn Bình",
        "Chứng thực bản sao điện tử từ bản chính",
        "Tôi cần chứng thực bản sao điện tử bằng tốt nghiệp để nộp hồ sơ trực tuyến. Xin hỏi "
        "làm ở đâu và lệ phí bao nhiêu?",
    ),
    (
        "Đất đai",
        "Nông Thị Huyền",
        "Tranh chấp ranh giới đất với nhà hàng xóm",
        "Nhà tôi và nhà hàng xóm có tranh chấp ranh giới đất vườn. Tôi phải gửi đơn đến đâu "
        "để được hòa giải?",
    ),
)


def _email_for(index: int) -> str:
    return f"nguoi-hoi-{index:02d}@example.org"


def load_demo(actor) -> str | None:
    """Add the sample fields and questions that are missing; return what was added."""
    with unit_of_work(actor):
        existing_fields = {f.name: f for f in db.session.scalars(sa.select(QuestionField))}
        for position, name in enumerate(FIELDS, start=1):
            if name not in existing_fields:
                field = QuestionField(name=name, position=position)
                db.session.add(field)
                existing_fields[name] = field
        db.session.flush()
        subjects = set(db.session.scalars(sa.select(Question.subject)))
        now = utcnow()
        added = 0
        published = []
        for index, (field, name, subject, body, answer, unit) in enumerate(ANSWERED):
            if subject in subjects:
                continue
            asked = now - timedelta(days=60 - index * 4, hours=3)
            answered = asked + timedelta(days=3)
            question = Question(
                subject=subject,
                body=body,
                name=name,
                email=_email_for(index),
                field_id=existing_fields[field].id,
                status=PUBLISHED,
                answer_html="".join(f"<p>{paragraph}</p>" for paragraph in answer),
                answered_by=unit,
                answered_at=answered,
                published_at=answered,
                created_at=asked,
            )
            db.session.add(question)
            published.append(question)
            added += 1
        for index, (field, name, subject, body) in enumerate(UNANSWERED, start=len(ANSWERED)):
            if subject in subjects:
                continue
            db.session.add(
                Question(
                    subject=subject,
                    body=body,
                    name=name,
                    email=_email_for(index),
                    field_id=existing_fields[field].id,
                    status=NEW,
                    created_at=now - timedelta(days=index - len(ANSWERED) + 1),
                )
            )
            added += 1
        db.session.flush()
        for question in published:  # the search index and the cached lists follow
            content_changed(
                ContentEvent("published", SUBJECT, question.id, question_tags(question.id))
            )
    return f"{added} câu hỏi" if added else None
