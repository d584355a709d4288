from django.urls import path

from govhall.catalog import views

app_name = "catalog"
urlpatterns = [
    path("", views.guide_search, name="search"),
    # Before <code>/ so that "cleanup" is never read as an item code.
    path("cleanup/", views.cleanup, name="cleanup"),
    path("<str:code>/", views.guide_detail, name="detail"),
    path("<str:code>/sheet.pdf", views.guide_sheet_pdf, name="sheet"),
]
