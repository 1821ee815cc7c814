"""Human references of the form PREFIX-YYYY-NNNN (INC-2026-0042, CHG-2026-0007)."""

from django.db import IntegrityError, transaction

from .models import ReferenceCounter


def format_reference(prefix: str, year: int, number: int) -> str:
    return f"{prefix}-{year:04d}-{number:04d}"


def allocate(*, prefix: str, year: int, model, field: str = "reference") -> str:
    """The next free PREFIX-YYYY-NNNN for `model.<field>`.

    A row lock on the (prefix, year) counter serialises concurrent callers; numbers
    already taken by hand (imports, fixtures) are skipped, so the counter stays right
    whatever was inserted around it.
    """
    with transaction.atomic():
        counter = ReferenceCounter.objects.select_for_update().filter(prefix=prefix, year=year).first()
        if counter is None:
            try:
                with transaction.atomic():
                    ReferenceCounter.objects.create(prefix=prefix, year=year, last=0)
            except IntegrityError:
                pass  # another request created it at the same moment
            counter = ReferenceCounter.objects.select_for_update().get(prefix=prefix, year=year)
        number = counter.last + 1
        while model.objects.filter(**{field: format_reference(prefix, year, number)}).exists():
            number += 1
        counter.last = number
        counter.save(update_fields=["last"])
    return format_reference(prefix, year, number)
