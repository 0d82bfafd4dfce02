app_name = "coach"

urlpatterns: list = []
