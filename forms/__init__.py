"""WTForms pieces shared by the admin panel and the expert portal."""
