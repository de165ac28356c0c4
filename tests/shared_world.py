"""Set-ups built once and shared by several tests, as Django's `TestCase.setUpTestData` does:
an approval walk costs ~1,400 queries, too many to repeat for every test that only needs an
approved use case or a registry entry.

Tests opt in with a marker: `pytestmark = pytest.mark.shared_world(build=build)` for a module,
`@pytest.mark.shared_world(build=build)` on a class, or on test functions (the functions of a
module with the same `build` share one world). With `for_tests_using="fixture"`, only the tests
that ask for that fixture start from the world. `build()` returns the objects it made by fixture
name ({"alice": user, "entry": deployment, ...}); a class's or function's `build(shared)` may
take the objects of the world around it (its module's), to build on them. tests/conftest.py then:

- runs `build()` once, before the first test of the world opens its own transaction, inside an
  outer transaction on the test database that is rolled back when a test that does not start
  from this world comes (or the module ends); each test runs in a savepoint inside it (the `db`
  fixture nests), so what one test changes is undone before the next;
- gives each test fresh copies of the objects, fetched again by primary key (`shared` fixture),
  so no test sees another's in-memory changes; the persona fixtures (`alice`, `council`,
  `entry`, ...) return the shared object of their name when the world has one, and make their own
  otherwise;
- runs the tests of one world one after the other (collection order otherwise kept).

Every test under a world's marker sees the world, whether or not it asks for its objects. A
test that shares a world asks for `db` through its fixtures: a django_db marker would open the
test's transaction before the world is built, and a transactional test cannot run inside one
(conftest refuses both, and undoes any world before a transactional test). Under xdist, each
worker that runs tests of a world builds it once.
"""

import copy
import inspect
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Model
from django.test import override_settings

import workflows
from config.celery import app as celery_app
from usecases import services as usecase_services

from .factories import MembershipFactory, TeamFactory, UserFactory, complete_answers
from .registry_support import entry_data
from .reviews_support import approve_review, make_council

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class World:
    """What `build()` made, kept as primary keys (and plain values) between tests."""

    def __init__(self, objects: dict[str, Any], media: Path):
        self._frozen = {name: _freeze(value) for name, value in objects.items()}
        self.media = media

    def names(self) -> set[str]:
        return set(self._frozen)

    def thaw(self, name: str) -> Any:
        return _thaw(self._frozen[name])


class SharedView:
    """One test's view of the worlds around it: each object fetched again, once per test."""

    def __init__(self, *worlds: World | None):
        self._worlds = [world for world in worlds if world is not None]
        self._fetched: dict[str, Any] = {}

    def __contains__(self, name: str) -> bool:
        return any(name in world.names() for world in self._worlds)

    def __getitem__(self, name: str) -> Any:
        if name not in self._fetched:
            # The innermost world (a class's, inside its module's) wins.
            world = next(w for w in reversed(self._worlds) if name in w.names())
            self._fetched[name] = world.thaw(name)
        return self._fetched[name]


class Worlds:
    """The worlds built around the test database, outermost first (conftest's `_worlds`)."""

    NONE: "Worlds"  # no world, for a test without the database

    def __init__(self, django_db_blocker: Any) -> None:
        self._blocker = django_db_blocker
        self._stack: list[tuple[str, World, Any]] = []

    def enter(
        self,
        chain: list[tuple[str, Callable[..., dict[str, Any]]]],
        *,
        media: Callable[[], Path],
    ) -> None:
        """Make the stack `chain` ([(key, build)], outermost first): undo the worlds the next
        test does not start from, then build the ones missing, each inside the one before."""
        keys = [key for key, _ in chain]
        if len(connection.atomic_blocks) != len(self._stack):
            raise RuntimeError(
                "A transaction other than the shared worlds' is open before the test: a world is"
                " built and undone before the test's own transaction (`db`) opens, which a"
                " django_db marker opens too early. Ask for `db` through the fixtures instead."
            )
        while self._stack and [key for key, _, _ in self._stack] != keys[: len(self._stack)]:
            self._leave()
        for key, build in chain[len(self._stack) :]:
            outer = self._stack[-1][1] if self._stack else None
            context = built_once(build, self._blocker, media(), outer)
            world = context.__enter__()
            self._stack.append((key, world, context))

    def leave_all(self) -> None:
        while self._stack:
            self._leave()

    def _leave(self) -> None:
        _, _, context = self._stack.pop()
        context.__exit__(None, None, None)

    def view(self) -> "SharedView":
        return SharedView(*(world for _, world, _ in self._stack))

    def media_folders(self) -> list[Path]:
        return [world.media for _, world, _ in self._stack]


Worlds.NONE = Worlds(django_db_blocker=None)


def _names_of(world: World | None, shared: SharedView) -> dict[str, Any]:
    return {name: shared[name] for name in world.names()} if world is not None else {}


def _freeze(value: Any) -> Any:
    if isinstance(value, Model):
        return ("model", type(value), value.pk)
    if isinstance(value, dict):
        return ("dict", {key: _freeze(item) for key, item in value.items()})
    if isinstance(value, list | tuple):
        return (type(value).__name__, [_freeze(item) for item in value])
    return ("value", copy.deepcopy(value))


def _thaw(frozen: Any) -> Any:
    kind, content = frozen[0], frozen[1:]
    if kind == "model":
        model, pk = content
        return model._default_manager.get(pk=pk)
    if kind == "dict":
        return {key: _thaw(item) for key, item in content[0].items()}
    if kind in {"list", "tuple"}:
        items = [_thaw(item) for item in content[0]]
        return items if kind == "list" else tuple(items)
    return copy.deepcopy(content[0])


@contextmanager
def built_once(
    build: Callable[..., dict[str, Any]],
    django_db_blocker: Any,
    media: Path,
    outer: World | None = None,
) -> Iterator[World]:
    """Run `build()` in an outer transaction rolled back at the end, with the settings the
    function-scoped autouse fixtures of conftest give each test (fast password hashing, media in a
    temporary folder, Celery tasks run in process). A world built on another (`outer`) gets its
    objects (`build(shared)`) and holds them too."""
    storages = {
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(media)},
        },
    }
    eager = celery_app.conf.task_always_eager
    with django_db_blocker.unblock():
        block = transaction.atomic()
        block.__enter__()
        # As TestCase marks its class-wide transaction: a durable atomic block in the code under
        # test may open inside it.
        block._from_testcase = True
    try:
        with django_db_blocker.unblock(), _storages(storages):
            celery_app.conf.task_always_eager = True
            try:
                shared = SharedView(outer)
                made = build(shared) if inspect.signature(build).parameters else build()
                world = World({**_names_of(outer, shared), **made}, media)
            finally:
                celery_app.conf.task_always_eager = eager
        # The database stays blocked between the tests: each test unblocks it through `db`.
        yield world
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            block.__exit__(None, None, None)
        shutil.rmtree(media, ignore_errors=True)


@contextmanager
def _storages(default_storage: dict[str, Any]) -> Iterator[None]:
    storages = {**settings.STORAGES, **default_storage}
    with override_settings(STORAGES=storages, PASSWORD_HASHERS=FAST_HASHERS):
        yield


# --- The worlds the modules share -----------------------------------------------------------------


def people() -> dict[str, Any]:
    """The personas of tests/conftest.py that most worlds need: alice of Marketing, the business
    owner and the council."""
    marketing = TeamFactory(name="Marketing", slug="marketing")
    alice = UserFactory(username="alice")
    MembershipFactory(user=alice, team=marketing)
    owner = UserFactory(username="olivia.owner")
    return {"marketing": marketing, "alice": alice, "owner": owner, "council": make_council()}


def use_case_of(world: dict[str, Any], state: str = "draft", **overrides: Any) -> Model:
    """As conftest's `make_use_case(state, **overrides)`, for the people of `world`."""
    alice = world["alice"]
    data = complete_answers(team=world["marketing"], business_owner=world["owner"], **overrides)
    use_case = usecase_services.usecase_create(actor=alice, data=data)
    if state in {"submitted", "withdrawn"}:
        use_case = workflows.usecase_submit(actor=alice, use_case=use_case)
    if state == "withdrawn":
        use_case = workflows.usecase_withdraw(actor=alice, use_case=use_case)
    return use_case


def review_world() -> dict[str, Any]:
    """The people, and conftest's `review`: a limited-tier use case of alice's team just
    submitted."""
    world = people()
    return {**world, "review": use_case_of(world, "submitted").reviews.get()}


def approved_world() -> dict[str, Any]:
    """The people, and conftest's `approved`: a use case of alice's team the council approved."""
    world = people()
    world["approved"] = approve_review(
        use_case_of(world, "submitted").reviews.get(), world["alice"]
    )
    return world


def entry_world() -> dict[str, Any]:
    """The approved use case and conftest's `entry`: its registry entry, in pilot."""
    world = approved_world()
    return {**world, **with_entry(world)}


def with_entry(shared: Any) -> dict[str, Any]:
    """For a class in a module of `approved_world`: the approved use case's entry."""
    alice, owner = shared["alice"], shared["owner"]
    entry = workflows.deployment_create(
        actor=alice, use_case=shared["approved"], data=entry_data(owner, alice)
    )
    return {"entry": entry}


def two_entries_world() -> dict[str, Any]:
    """The entry, and `second_entry`: another approved use case of alice's team and its entry,
    named "Second", recorded after the first (as two calls of conftest's `make_entry`)."""
    world = entry_world()
    alice, owner = world["alice"], world["owner"]
    use_case = approve_review(use_case_of(world, "submitted").reviews.get(), alice)
    second = workflows.deployment_create(
        actor=alice, use_case=use_case, data=entry_data(owner, alice, name="Second")
    )
    return {**world, "second_entry": second}


def incident_world() -> dict[str, Any]:
    """The entry and conftest's `incident`: a low one, open."""
    world = entry_world()
    world["incident"] = workflows.incident_report(
        actor=world["alice"],
        deployment=world["entry"],
        kind="other",
        severity="low",
        description="Wrong offer",
    )
    return world
