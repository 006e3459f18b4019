"""Synthetic Mexican rolls with a known truth: a registry of persons and an agency's roll.

Names follow realistic frequencies (a few very common given names and surnames, a long tail of
rare ones), a third of given names are compound ("MARIA GUADALUPE"), some surnames carry
particles ("DE LA CRUZ"). Families share both surnames and a borough (the hard negatives:
siblings, and now and then twins born the same day). The roll repeats most registry persons
as an old system exported them, with every fault the legacy rolls show: any case, accents lost
or mangled (mojibake "HernÃ¡ndez"), Ñ written N or NN, abbreviations ("MA.", "J."), particles
dropped, surnames swapped or the second missing, typos, dates in several formats with day and
month swapped or two-digit years, CURPs with O for 0, one character wrong, or none at all (~30%),
borough and postal code missing or from an older address, and the same person twice in the roll.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta


def _listed(names: str) -> list[str]:
    return names.split("|")


FEMALE = _listed("MARIA GUADALUPE|MARIA|GUADALUPE|JUANA|MARGARITA|MARIA DEL CARMEN|VERONICA|ROSA MARIA|"
          "FRANCISCA|ALEJANDRA|LETICIA|PATRICIA|ELIZABETH|MARIA ELENA|ANA MARIA|MARTHA|GABRIELA|"
          "SILVIA|ADRIANA|TERESA|SOFIA|XIMENA|VALERIA|CAMILA|DANIELA|FERNANDA|ANDREA|MONICA|CLAUDIA|"
          "LAURA|YOLANDA|ARACELI|ROCIO|BEATRIZ|ALICIA|NORMA|JOSEFINA|ANGELICA|ESPERANZA|LUCIA|IRMA|"
          "XOCHITL|ITZEL|CITLALI|NAYELI|MARIA JOSE|ANA SOFIA|MARIA FERNANDA|BRENDA|KARLA|LILIANA|"
          "SANDRA|ELENA|CAROLINA|MIRIAM|SUSANA|ESTHER|REBECA|PAOLA|DIANA|IVONNE|JAZMIN|MAGDALENA")
MALE = _listed("JOSE|JUAN|JOSE LUIS|MIGUEL ANGEL|FRANCISCO|JESUS|ANTONIO|ALEJANDRO|PEDRO|JUAN CARLOS|"
        "MANUEL|RICARDO|FERNANDO|JORGE|ROBERTO|SERGIO|JOSE ANTONIO|EDUARDO|DANIEL|CARLOS|JAVIER|"
        "RAUL|MARIO|ARTURO|GERARDO|ENRIQUE|OSCAR|HUGO|RAFAEL|VICTOR MANUEL|SANTIAGO|MATEO|"
        "SEBASTIAN|LEONARDO|EMILIANO|DIEGO|LUIS ANGEL|JUAN PABLO|CUAUHTEMOC|JOSE MANUEL|ALFREDO|"
        "GUILLERMO|ALBERTO|ERNESTO|IGNACIO|RODRIGO|ISRAEL|ADRIAN|ANDRES|RUBEN|JULIO CESAR|OMAR|"
        "MARCO ANTONIO|HECTOR|SALVADOR|GUSTAVO|ABRAHAM|ULISES|JOEL|EFRAIN|ISMAEL|TOMAS")
SURNAMES = _listed("HERNANDEZ|GARCIA|MARTINEZ|LOPEZ|GONZALEZ|PEREZ|RODRIGUEZ|SANCHEZ|RAMIREZ|CRUZ|FLORES|"
            "GOMEZ|MORALES|VAZQUEZ|REYES|JIMENEZ|TORRES|DIAZ|GUTIERREZ|RUIZ|MENDOZA|AGUILAR|ORTIZ|"
            "MORENO|CASTILLO|ROMERO|ALVAREZ|MENDEZ|CHAVEZ|RIVERA|JUAREZ|RAMOS|DOMINGUEZ|HERRERA|"
            "MEDINA|CASTRO|VARGAS|GUZMAN|VELAZQUEZ|MUNOZ|ROJAS|CONTRERAS|SALAZAR|LUNA|ORTEGA|"
            "SANTIAGO|GUERRERO|ESTRADA|BAUTISTA|CORTES|SOTO|ALVARADO|ESPINOZA|LARA|AVILA|RIOS|"
            "CERVANTES|SILVA|DELGADO|VEGA|MARQUEZ|SANDOVAL|CARRILLO|LEON|MEJIA|SOLIS|IBARRA|"
            "ROSAS|VALDEZ|NUNEZ|CAMPOS|SANTOS|CAMACHO|NAVARRO|PENA|MALDONADO|ROSALES|ACOSTA|"
            "MIRANDA|TREJO|VALENCIA|NAVA|PACHECO|ROBLES|MOLINA|RANGEL|HUERTA|FUENTES|DE LA CRUZ|"
            "DEL ANGEL|DE LEON|DE LA ROSA|XICOHTENCATL|TLATELPA|CUAUTLE|MUNIZ|ZUNIGA|ORDONEZ|YANEZ|"
            "BRISENO|NINO|CASTANEDA|MONTANO|PATINO|ACUNA|OCANA")
ACCENTED = {"MARIA": "María", "JOSE": "José", "JESUS": "Jesús", "RAUL": "Raúl", "VERONICA": "Verónica",
            "HERNANDEZ": "Hernández", "GARCIA": "García", "MARTINEZ": "Martínez", "LOPEZ": "López",
            "GONZALEZ": "González", "PEREZ": "Pérez", "RODRIGUEZ": "Rodríguez", "SANCHEZ": "Sánchez",
            "RAMIREZ": "Ramírez", "GOMEZ": "Gómez", "VAZQUEZ": "Vázquez", "JIMENEZ": "Jiménez",
            "DIAZ": "Díaz", "GUTIERREZ": "Gutiérrez", "ALVAREZ": "Álvarez", "MENDEZ": "Méndez",
            "CHAVEZ": "Chávez", "JUAREZ": "Juárez", "DOMINGUEZ": "Domínguez", "MUNOZ": "Muñoz",
            "NUNEZ": "Núñez", "PENA": "Peña", "MUNIZ": "Muñiz", "ZUNIGA": "Zúñiga", "YANEZ": "Yáñez",
            "ORDONEZ": "Ordóñez", "BRISENO": "Briseño", "NINO": "Niño", "CASTANEDA": "Castañeda",
            "MONTANO": "Montaño", "PATINO": "Patiño", "ACUNA": "Acuña", "OCANA": "Ocaña",
            "XIMENA": "Ximena", "SOFIA": "Sofía", "LUCIA": "Lucía", "ANGELICA": "Angélica",
            "ROCIO": "Rocío", "CUAUHTEMOC": "Cuauhtémoc", "HECTOR": "Héctor", "RUBEN": "Rubén",
            "EFRAIN": "Efraín", "ISMAEL": "Ismael", "TOMAS": "Tomás", "ADRIAN": "Adrián",
            "ANDRES": "Andrés", "JOEL": "Joel", "ULISES": "Ulises", "SEBASTIAN": "Sebastián"}
N_TILDE = {"MUNOZ", "NUNEZ", "PENA", "MUNIZ", "ZUNIGA", "YANEZ", "ORDONEZ", "BRISENO", "NINO",
           "CASTANEDA", "MONTANO", "PATINO", "ACUNA", "OCANA"}
BOROUGHS = {"ALVARO OBREGON": "01", "AZCAPOTZALCO": "02", "BENITO JUAREZ": "03", "COYOACAN": "04",
            "CUAJIMALPA": "05", "CUAUHTEMOC": "06", "GUSTAVO A MADERO": "07", "IZTACALCO": "08",
            "IZTAPALAPA": "09", "MAGDALENA CONTRERAS": "10", "MIGUEL HIDALGO": "11", "MILPA ALTA": "12",
            "TLAHUAC": "13", "TLALPAN": "14", "VENUSTIANO CARRANZA": "15", "XOCHIMILCO": "16"}
SYLLABLES = _listed("CA|CHI|TLA|XO|HUE|ZA|MO|PA|TE|QUI|LO|RA|NE|CUE|YA|TO|MA|LI|GUE|PE|SO|CO|RRE|LLA|"
             "JA|BO|NA|TZI|DA|VI|RO|SA|FE|GA|LA|ME|NO|CUAU")
ENDINGS = _listed("ZA|NO|LES|RO|DA|TL|NEZ|REZ|LLO|RA|CO|JAS|DO|TE")


def _zipf_weights(n: int, s: float = 1.05) -> list[float]:
    return [1.0 / (k ** s) for k in range(1, n + 1)]


def _cumulative(weights: list[float]) -> list[float]:
    out, total = [], 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


@dataclass
class Person:
    """One real person (the truth)."""

    pid: int
    given: str
    first: str
    second: str | None
    born: date
    sex: str
    curp: str
    borough: str
    postal: str


@dataclass
class Row:
    """One row as a roll or the registry holds it, with whom it really is."""

    key: str
    pid: int
    given: str
    first: str
    second: str | None
    born: str | None  # as written in the export
    sex: str | None
    curp: str | None
    borough: str | None
    postal: str | None


def _curp_letter(name: str, vowel: bool = False) -> str:
    word = name.rsplit(maxsplit=1)[-1] if name else "X"
    if not vowel:
        return word[0]
    return next((c for c in word[1:] if c in "AEIOU"), "X")


def _curp(rng: random.Random, given: str, first: str, second: str | None, born: date, sex: str) -> str:
    words = given.split()
    first_word = words[1] if words[0] in ("MARIA", "JOSE", "MA", "J") and len(words) > 1 else words[0]
    consonants = [next((c for c in w[1:] if c not in "AEIOU"), "X")
                  for w in (first, second or "X", first_word)]
    homonymy = rng.choice("0123456789") if born.year < 2000 else rng.choice("ABCDEFGHIJ")
    return (f"{_curp_letter(first)}{_curp_letter(first, True)}{(second or 'X')[0]}{first_word[0]}"
            f"{born:%y%m%d}{sex}DF{''.join(consonants)}{homonymy}{rng.randint(0, 9)}")


class World:
    """Draws persons with realistic names, families and places."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        rare = {self._rare_surname() for _ in range(20000)}
        self.surnames = SURNAMES + sorted(rare)
        self.surname_weights = _cumulative(_zipf_weights(len(SURNAMES), 0.9) + [0.0008] * len(rare))
        rare_given = sorted({self._rare_surname().title().upper() for _ in range(3000)})
        self.female = FEMALE + rare_given[:1500]
        self.male = MALE + rare_given[1500:]
        self.female_w = _cumulative(_zipf_weights(len(FEMALE), 1.0) + [0.002] * 1500)
        self.male_w = _cumulative(_zipf_weights(len(MALE), 1.0) + [0.002] * (len(rare_given) - 1500))
        self.pid = 0

    def _rare_surname(self) -> str:
        syllables = "".join(self.rng.choice(SYLLABLES) for _ in range(self.rng.randint(1, 2)))
        return syllables + self.rng.choice(ENDINGS)

    def _place(self) -> tuple[str, str]:
        borough = self.rng.choice(list(BOROUGHS))
        return borough, f"{BOROUGHS[borough]}{self.rng.randint(0, 999):03d}"

    def person(self, family: Person | None = None, twin: bool = False) -> Person:
        """A new person; with `family`, a sibling (same surnames and home), maybe a twin."""
        rng = self.rng
        sex = rng.choice("HM")
        names, weights = (self.female, self.female_w) if sex == "M" else (self.male, self.male_w)
        given = rng.choices(names, cum_weights=weights)[0]
        if family is not None:
            first, second, (borough, postal) = family.first, family.second, (family.borough, family.postal)
            born = family.born if twin else family.born + timedelta(days=rng.randint(300, 6000))
            while given == family.given:
                given = rng.choices(names, cum_weights=weights)[0]
        else:
            first, second = rng.choices(self.surnames, cum_weights=self.surname_weights, k=2)
            if rng.random() < 0.03:
                second = None
            borough, postal = self._place()
            born = date(1925, 1, 1) + timedelta(days=rng.randrange(90 * 365))
        self.pid += 1
        return Person(self.pid, given, first, second, born, sex, _curp(rng, given, first, second, born, sex),
                      borough, postal)


def _mojibake(text: str) -> str:
    return text.encode("utf-8").decode("latin-1")


def _cased(rng: random.Random, text: str, mode: float) -> str:
    return text.lower() if mode < 0.3 else text.title() if mode < 0.6 else text.upper()


def _name_as_written(rng: random.Random, name: str, *, given: bool) -> str:
    words = name.split()
    out = []
    mode = rng.random()
    for word in words:
        w = word
        if w in N_TILDE and rng.random() < 0.3:
            w = w.replace("N", "NN", 1) if rng.random() < 0.5 else w  # Ñ as NN, or as N
        if w in ACCENTED and rng.random() < 0.4:
            w = _cased(rng, ACCENTED[w], mode)
            if rng.random() < 0.25:
                w = _mojibake(w)
        else:
            w = _cased(rng, w, mode)
        if given and w.upper() in ("MARIA", "MARÍA") and len(words) > 1 and rng.random() < 0.3:
            w = "Ma."
        if given and w.upper() in ("JOSE", "JOSÉ") and len(words) > 1 and rng.random() < 0.2:
            w = "J."
        out.append(w)
    text = " ".join(out)
    if not given and text.upper().startswith(("DE LA ", "DEL ", "DE ")) and rng.random() < 0.4:
        text = text.split()[-1]  # particles dropped
    if rng.random() < 0.06 and len(text) > 4:  # one typo
        i = rng.randrange(1, len(text) - 1)
        kind = rng.random()
        letter = rng.choice("abcdefghijlmnoprstuvz" if text.islower() else "ABCDEFGHIJLMNOPRSTUVZ")
        if kind < 0.4:
            text = text[:i] + letter + text[i + 1:]
        elif kind < 0.7:
            text = text[:i] + text[i + 1:]
        else:
            text = text[:i] + text[i + 1] + text[i] + text[i + 2:]
    return text


def _date_as_written(rng: random.Random, born: date) -> str | None:
    r = rng.random()
    if r < 0.01:
        return None
    day = born
    if rng.random() < 0.03 and born.day <= 12:  # entered month first
        day = date(born.year, born.day, born.month)
    elif rng.random() < 0.015:  # one digit mistyped
        text = day.strftime("%Y%m%d")
        i = rng.choice([2, 3, 5, 7])
        text = text[:i] + str(rng.randint(0, 9)) + text[i + 1:]
        try:
            day = date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError:
            day = born
    form = rng.random()
    if form < 0.45:
        return day.strftime("%d/%m/%Y")
    if form < 0.8:
        return day.isoformat()
    if form < 0.9:
        return day.strftime("%d-%m-%y")  # two-digit year
    return day.strftime("%d.%m.%Y")


def _curp_as_written(rng: random.Random, curp: str) -> str | None:
    if rng.random() < 0.30:
        return None
    if rng.random() < 0.03:
        curp = curp.replace("0", "O")
    if rng.random() < 0.01:
        i = rng.randrange(len(curp))
        curp = curp[:i] + rng.choice("ABCDEFGHJKLMNPRSTUVXYZ0123456789") + curp[i + 1:]
    return curp.lower() if rng.random() < 0.1 else curp


def registry_row(person: Person, rng: random.Random) -> Row:
    """A registry record: standardised, with a CURP for most and the address of registration."""
    return Row(f"p{person.pid}", person.pid, person.given, person.first, person.second,
               person.born.isoformat(), person.sex, person.curp if rng.random() < 0.8 else None,
               person.borough, person.postal)


def roll_row(key: str, person: Person, rng: random.Random, world: World) -> Row:
    """The person as an old agency system exported them."""
    first, second = person.first, person.second
    if second and rng.random() < 0.03:
        first, second = second, first
    if rng.random() < 0.05:
        second = None
    borough, postal = person.borough, person.postal
    if rng.random() < 0.07:
        borough, postal = world._place()  # moved since
    return Row(
        key, person.pid, _name_as_written(rng, person.given, given=True),
        _name_as_written(rng, first, given=False),
        _name_as_written(rng, second, given=False) if second else None,
        _date_as_written(rng, person.born), None if rng.random() < 0.02 else person.sex,
        _curp_as_written(rng, person.curp), None if rng.random() < 0.1 else borough,
        None if rng.random() < 0.15 else postal,
    )


def build(rows: int, registry: int, seed: int = 14) -> tuple[list[Row], list[Row]]:
    """A registry of `registry` persons and a roll of `rows` rows (70% of them registered persons,
    3% the same person twice in the roll), with families among both."""
    world = World(seed)
    rng = world.rng
    persons: list[Person] = []
    while len(persons) < registry:
        head = world.person()
        persons.append(head)
        if rng.random() < 0.25:  # a sibling, now and then a twin
            persons.append(world.person(head, twin=rng.random() < 0.05))
    persons = persons[:registry]
    reg_rows = [registry_row(p, rng) for p in persons]
    roll: list[Row] = []
    n_known = int(rows * 0.7)
    known = rng.sample(persons, min(n_known, len(persons)))
    new: list[Person] = []
    while len(known) + len(new) < rows * 0.97:
        head = world.person()
        new.append(head)
        if rng.random() < 0.25:
            new.append(world.person(head, twin=rng.random() < 0.05))
    people = known + new
    for i, person in enumerate(people):
        roll.append(roll_row(f"r{i}", person, rng, world))
    i = len(roll)
    while len(roll) < rows:
        roll.append(roll_row(f"r{i}", rng.choice(people), rng, world))
        i += 1
    return roll, reg_rows
