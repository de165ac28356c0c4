"""A real OpenID Connect provider for the single sign-on tests (django-oauth-toolkit), run in a
process of its own with its own database, as a company's identity provider would be
(tests/test_sso.py starts it)."""
