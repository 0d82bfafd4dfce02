from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from outsourcing.fields import BoundedModelMultipleChoiceField
from outsourcing.models import OwnerTask

from ..factories import OwnerTaskFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("bad", ["9223372036854775808", "-9223372036854775809", str(10**40)])
def test_ids_past_64_bits_are_an_invalid_choice_not_a_crash(bad):
    field = BoundedModelMultipleChoiceField(OwnerTask.objects.all())
    with pytest.raises(ValidationError) as caught:
        field.clean([bad])
    assert caught.value.code == "invalid_choice"


def test_real_ids_still_clean():
    task = OwnerTaskFactory()
    field = BoundedModelMultipleChoiceField(OwnerTask.objects.all())
    assert list(field.clean([str(task.pk)])) == [task]


def test_words_keep_djangos_own_message():
    field = BoundedModelMultipleChoiceField(OwnerTask.objects.all())
    with pytest.raises(ValidationError) as caught:
        field.clean(["abc"])
    assert caught.value.code == "invalid_pk_value"
