"""/oidc/: the single sign-on redirect (authenticate) and the provider's return (callback).
The URL names are mozilla-django-oidc's, which its views reverse."""

from django.urls import path

from . import views

urlpatterns = [
    path("authenticate/", views.SsoStartView.as_view(), name="oidc_authentication_init"),
    path("callback/", views.SsoCallbackView.as_view(), name="oidc_authentication_callback"),
]
