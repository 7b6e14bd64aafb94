from django.urls import path

from recoup.dunning import views

app_name = "dunning"
urlpatterns = [
    path("", views.dunning_page, name="index"),
    path("prepare/", views.prepare_action, name="prepare"),
    path("runs/<int:dunning_run_id>/", views.run_page, name="run"),
    path("runs/<int:dunning_run_id>/approve/", views.approve_action, name="approve"),
    path("messages/<int:message_id>/", views.message_page, name="message"),
    path("messages/<int:message_id>/letter.pdf", views.letter_download, name="letter"),
    path("templates/<int:template_id>/", views.template_page, name="template"),
    path("templates/<int:template_id>/preview/", views.template_preview_action, name="preview"),
]
