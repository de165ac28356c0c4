"""Lists of registry entries and reviews test the visibility rule on the use cases they join
(issue 14): a page of entries reads the use cases of those entries, not every use case the user
may see. Who sees what is tested by the lists' own tests; this is the shape of their query."""

import pytest

from registry.selectors import deployment_list_visible
from reviews.selectors import review_list_visible

from .factories import RoleFactory

USE_CASES = '"usecases_usecase"'


@pytest.mark.parametrize("list_visible", [deployment_list_visible, review_list_visible])
def test_a_list_joins_its_use_cases_instead_of_reading_every_visible_one(list_visible, alice):
    RoleFactory(user=alice, role="legal")  # a council member: the rule's every branch

    sql = str(list_visible(user=alice).query)

    assert f"INNER JOIN {USE_CASES}" in sql, sql
    # Never a subquery that lists every use case the user may see.
    assert f"FROM {USE_CASES}" not in sql, sql
