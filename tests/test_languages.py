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
from django.db.models import Choices
from django.test import override_settings
from django.utils import translation
from django.utils.translation import trans_real

from usecases import validation
from usecases.forms import QUESTIONS, SECTIONS

from .registry_support import publish

LOCALE = Path(settings.BASE_DIR) / "locale"
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


@pytest.fixture
def asked(monkeypatch) -> set[str]:
    """Every message the code and the templates ask gettext for while the test runs."""
    messages: set[str] = set()

    def recording_gettext(message):
        messages.add(message)
        return trans_real.gettext(message)

    def recording_ngettext(singular, plural, number):
        messages.update((singular, plural))
        return trans_real.ngettext(singular, plural, number)

    monkeypatch.setattr(translation._trans, "gettext", recording_gettext, raising=False)
    monkeypatch.setattr(translation._trans, "ngettext", recording_ngettext, raising=False)
    return messages


@override_settings(COMPLAINTS_PER_HOUR=1)
def test_every_message_of_the_public_pages_is_translated(client, published, asked):
    """The public pages walked in French, every message they ask for recorded: each one has
    its French (ours, or Django's own for its messages)."""
    tool = f"/transparency/{published.reference}/"
    for url in ("/transparency/", tool, "/transparency/registry.json"):
        assert client.get(url, **FRENCH).status_code == 200
    complain = f"{tool}complain/"
    assert client.post(complain, {"kind": "complaint", "message": " "}, **FRENCH).status_code == 400
    sent = client.post(complain, {"kind": "contest", "message": "Non."}, follow=True, **FRENCH)
    assert sent.status_code == 200
    assert (
        client.post(complain, {"kind": "contest", "message": "Encore"}, **FRENCH).status_code == 429
    )
    ours = {message.id: message.string for message in _catalogue("fr") if message.id}
    with translation.override("fr"):
        untranslated = [
            message
            for message in asked
            if re.search("[A-Za-z]{2}", message)
            and not ours.get(message)
            and trans_real.gettext(message) == message
        ]
    assert len(asked) > 30
    assert sorted(untranslated) == []


@pytest.mark.parametrize("language", [code for code, _ in settings.LANGUAGES[1:]])
def test_each_catalogue_is_compiled(language):
    compiled = gettext.GNUTranslations((LOCALE / language / "LC_MESSAGES" / "django.mo").open("rb"))
    for message in _catalogue(language):
        translated = all(message.string if message.pluralizable else [message.string])
        if not message.id or not translated or message.fuzzy:
            continue  # the header, or not translated yet (a staff page's words)
        if message.pluralizable:
            singular, plural = message.id[:2]
            assert compiled.ngettext(singular, plural, 1) == message.string[0], singular
        else:
            assert compiled.gettext(message.id) == message.string, f"stale .mo: {message.id}"


def _catalogue(language: str):
    with (LOCALE / language / "LC_MESSAGES" / "django.po").open("rb") as po:
        return read_po(po)


def _msgids(language: str = "fr") -> set[str]:
    return {message.id for message in _catalogue(language) if isinstance(message.id, str)}


def test_the_words_the_code_writes_on_staff_pages_are_in_the_catalogue():
    """Form questions, sections, choices and submission messages are marked for gettext, so
    `make messages` finds them: a translator sees every one."""
    catalogue = _msgids()
    written = [str(text) for question in QUESTIONS.values() for text in question if text]
    written += [str(text) for section in SECTIONS for text in (section.title, section.intro)]
    for group in (validation.REQUIRED_TEXT, validation.REQUIRED_CHOICE,
                  validation.REQUIRED_LIST, validation.REQUIRED_YES_NO):  # fmt: skip
        written += [str(message) for message in group.values()]
    ours = ("usecases", "reviews", "registry", "council", "inventory", "integrations", "oversight")
    for choices in _subclasses(Choices):
        if choices.__module__.split(".")[0] in ours:
            written += [str(label) for label in choices.labels]
    assert len(written) > 300
    assert [text for text in written if text not in catalogue] == []


def _subclasses(cls) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found
