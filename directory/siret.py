"""The SIRET rule, in plain Python (no Django): read by the validators and by scripts/check_demo_csv.py alike.

La Poste's establishments share SIREN 356000000, so their SIRETs cannot all pass Luhn: INSEE's documented
exception accepts them when their digits sum to a multiple of 5 (the head office also passes Luhn).
"""

LA_POSTE_SIREN = "356000000"


def luhn_valid(number: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = int(char)
        if index % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def siret_fault(value: str) -> str | None:
    """What is wrong with the SIRET: "format", "la_poste", "siren_key" or "siret_key"; None when it is valid."""
    if len(value) != 14 or not value.isdigit():
        return "format"
    if value.startswith(LA_POSTE_SIREN):
        if not luhn_valid(value) and sum(int(c) for c in value) % 5 != 0:
            return "la_poste"
        return None
    if not luhn_valid(value[:9]):
        return "siren_key"
    if not luhn_valid(value):
        return "siret_key"
    return None
