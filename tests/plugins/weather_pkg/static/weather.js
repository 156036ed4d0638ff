document.documentElement.dataset.weather = "1";
