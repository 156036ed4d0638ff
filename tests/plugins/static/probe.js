document.documentElement.dataset.probe = "1";
