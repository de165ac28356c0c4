"""Languages (issue 15 point 5): the public transparency pages are written for gettext and
complete in English and French, chosen by the browser's Accept-Language; the staff pages stay in
English whatever the browser asks, so no page mixes two languages."""

import gettext
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.cache import cache

from .registry_support import publish

LOCALE = Path(settings.BASE_DIR) / "locale"
PUBLIC_TEMPLATES = ["public_base.html", "transparency.html", "transparency_tool.html",
                    "_transparency_facts.html"]  # fmt: skip
FRENCH = {"HTTP_ACCEPT_LANGUAGE": "fr-FR,fr;q=0.9,en;q=0.5"}


@pytest.fixture(autouse=True)
def _empty_rate_limit():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def published(entry, alice, council):
    return publish(entry, team_member=alice, chair=council["chair"], markets=["IE", "FR"])


def test_a_french_browser_reads_the_public_list_in_french(client, published):
    response = client.get("/transparency/", **FRENCH)
    page = response.content.decode()
    assert '<html lang="fr">' in page
    assert "Notre usage de l’intelligence artificielle" in page
    assert "Où vous pouvez le rencontrer" in page
    assert "Proposé aux clients en : Irlande, France." in page
    assert "How we use artificial intelligence" not in page
    assert response["Content-Language"] == "fr"
    assert "Accept-Language" in response["Vary"]


def test_without_a_preference_the_public_pages_are_english(client, published):
    page = client.get(f"/transparency/{published.reference}/").content.decode()
    assert '<html lang="en-gb">' in page
    assert "Contest a decision or complain" in page and "Available to customers in: Ireland" in page


def test_the_complaint_form_answers_in_french(client, published):
    url = f"/transparency/{published.reference}/complain/"
    refused = client.post(url, {"kind": "complaint", "message": "  "}, **FRENCH)
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "Écrivez votre message." in page and "Que souhaitez-vous faire ?" in page
    sent = client.post(
        url, {"kind": "contest", "message": "Je conteste le refus."}, follow=True, **FRENCH
    )
    assert "Merci : nous avons bien reçu votre message." in sent.content.decode()


def test_the_register_speaks_the_browsers_language_too(client, published):
    (entry,) = client.get("/transparency/registry.json", **FRENCH).json()["entries"]
    assert entry["channels"] == ["E-mail"] and entry["markets"] == ["Irlande", "France"]


def test_the_staff_pages_stay_english_for_a_french_browser(login, alice, published):
    page = login(alice).get("/use-cases/", **FRENCH).content.decode()
    assert 'lang="en' in page and 'lang="fr"' not in page


def _words_left(text: str) -> list[str]:
    """The words of a template outside its translation tags, comments, variables, markup,
    scripts and code samples."""
    text = re.sub(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|{#.*?#}", "", text, flags=re.S)
    text = re.sub(r"{%\s*blocktranslate.*?endblocktranslate\s*%}", "", text, flags=re.S)
    text = re.sub(r"<code>.*?</code>|<(script|style)[^>]*>.*?</\1>", " ", text, flags=re.S)
    text = re.sub(r"{%.*?%}|{{.*?}}|<[^>]+>|&[a-z]+;", " ", text, flags=re.S)
    text = text.replace("registry.json", "")  # a file's name, the same in every language
    return re.findall(r"[A-Za-z]{2,}", text)


def test_every_word_of_every_template_is_marked_for_translation():
    """What is left of a template once its tags, variables, comments and translated strings
    are taken out is punctuation and space: no sentence of a page escapes the catalogue."""
    templates = Path(settings.BASE_DIR) / "templates"
    left = {
        str(path.relative_to(templates)): words
        for path in sorted(templates.rglob("*.html"))
        if (words := _words_left(path.read_text()))
    }
    assert left == {}


# Where the public pages' words come from: each of their messages must be translated.
PUBLIC_SOURCES = {
    *(f"templates/registry/{name}" for name in PUBLIC_TEMPLATES),
    "registry/forms.py", "registry/views.py", "registry/pages.py", "registry/selectors.py",
    "registry/models.py", "usecases/choices.py",
}  # fmt: skip


def _public(message) -> bool:
    return any(path in PUBLIC_SOURCES for path, _ in message.locations)


@pytest.mark.parametrize("language", [code for code, _ in settings.LANGUAGES[1:]])
def test_each_catalogue_is_complete_for_the_public_pages_and_compiled(language):
    folder = LOCALE / language / "LC_MESSAGES"
    with (folder / "django.po").open("rb") as po:
        catalogue = read_po(po)
    compiled = gettext.GNUTranslations((folder / "django.mo").open("rb"))
    public = [message for message in catalogue if message.id and _public(message)]
    assert len(public) > 50
    for message in public:
        assert message.string and not message.fuzzy, message.id
    for message in catalogue:
        translated = all(message.string if message.pluralizable else [message.string])
        if not message.id or not translated or message.fuzzy:
            continue  # the header, or not translated yet (a staff page's words)
        if message.pluralizable:
            singular, plural = message.id[:2]
            assert compiled.ngettext(singular, plural, 1) == message.string[0], singular
        else:
            assert compiled.gettext(message.id) == message.string, f"stale .mo: {message.id}"
