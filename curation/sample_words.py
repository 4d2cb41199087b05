"""Word banks and the slot filler shared by the sample's page generators (curation/sample.py).

A template is a string with `{slot}` fields; `fill(rng, template)` replaces each field with a
fresh draw from its bank, so the same template yields many different sentences. Everything is
drawn from the caller's seeded `random.Random`: the sample stays deterministic.
"""
from __future__ import annotations

import random
import re

FIRST = """
Amara Ben Carlos Dana Elif Farid Grace Hugo Ines Jonas Kenji Leila Marco Nadia Omar Priya Quentin
Rosa Samir Tara Umar Vera Wen Xavier Yara Zoltan Alice Bruno Chloe Diego Esther Felix Greta Hannah
Ivan Julia Kofi Lucia Mateo Nora Oscar Paula Rahul Sofia Tomas Ursula Viktor Wanda Yusuf Zara Aidan
Bianca Cecile Dmitri Emeka Fatima Gideon Helga Isaac Jasmine Kwame Lars Mei Nikolai Olivia Pedro
Rania Stefan Thandiwe Ulrich Valentina William Ximena Yuki Abdul Beatrix Cormac Daniela Emil Freya
""".split()
LAST = """
Adeyemi Bauer Castillo Dubois Eriksen Fischer Garcia Haddad Ivanova Jensen Kowalski Lindqvist Moreau
Nakamura Okafor Petrov Quinn Rossi Schmidt Tanaka Umarov Varga Weber Xu Yilmaz Zhang Abbott Brennan
Carvalho Dalton Ellison Fontaine Gallagher Hoffman Iyer Jovanovic Kaplan Larsen Mendez Novak Ortega
Park Rahman Sorensen Thornton Ueda Vasquez Whitaker Yamada Ziegler Achebe Bishop Chowdhury Delgado
Everett Farouk Gupta Holm Ishikawa Kruger Lombardi Morales Nielsen Oyelaran Pereira Ramirez Sato
""".split()
CITIES = """
Lisbon Porto Valencia Leeds Bristol Glasgow Dublin Cork Lyon Marseille Ghent Utrecht Aarhus Bergen
Uppsala Tampere Krakow Brno Graz Turin Bologna Seville Denver Portland Austin Madison Tucson Omaha
Halifax Winnipeg Calgary Adelaide Hobart Wellington Nairobi Accra Lagos Durban Pune Kochi Osaka
Sapporo Busan Taipei Hanoi Manila Santiago Cordoba Montevideo Quito Riverside Springfield Fairview
Brookhaven Milltown Kingsport Ashford Larchmont
""".split()
COUNTRIES = """
Portugal Spain Ireland France Belgium Netherlands Denmark Norway Sweden Finland Poland Austria Italy
Canada Australia Kenya Ghana Nigeria India Japan Korea Vietnam Chile Argentina Uruguay Ecuador Mexico
Brazil Morocco Egypt Turkey Greece Iceland Scotland Wales
""".split()
MONTHS = "January February March April May June July August September October November December".split()
WEEKDAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
MASCOTS = "Rovers Falcons Comets Harriers Wanderers Lions Pilots Rangers Otters Foxes Mariners Bears Giants Hornets".split()
CO_PREFIX = "North Blue Silver Green Bright Iron Cedar Harbor Summit Red Oak Pine River Stone Clear Swift Golden".split()
CO_SUFFIX = ["Systems", "Foods", "Logistics", "Energy", "Labs", "Retail", "Motors", "Health", "Media",
             "Airlines", "Bank", "Pharma", "Textiles", "Holdings", "Software", "Outdoor", "Telecom"]
FIELDS = [
    "human-computer interaction", "natural language processing", "computer vision", "distributed systems",
    "database systems", "computer security", "programming languages", "robotics", "computational biology",
    "social computing", "information retrieval", "software engineering", "computer architecture",
    "machine translation", "speech recognition", "networked systems", "data visualization", "accessibility",
    "medieval history", "urban sociology", "development economics", "cognitive psychology", "marine biology",
    "organic chemistry", "climate science", "public health", "comparative literature", "linguistics",
    "political science", "environmental engineering", "neuroscience", "archaeology", "musicology",
    "education policy", "labor economics", "ecology", "materials science", "epidemiology", "anthropology",
]
VENUES = ["CHI", "ACL", "EMNLP", "NAACL", "CSCW", "UIST", "ICWSM", "SIGMOD", "VLDB", "OSDI", "NSDI",
          "USENIX Security", "ICSE", "PLDI", "CVPR", "ICRA", "WWW", "KDD", "Nature Communications",
          "PLOS ONE", "the Journal of Urban History", "Cell Reports", "the American Sociological Review"]
ITEMS = """
apples pencils cookies marbles stickers books candles tickets muffins oranges notebooks cupcakes
bracelets postcards seeds bottles shirts toys flowers eggs plates buttons magnets bags boxes
""".split()
INGREDIENTS = [
    "flour", "sugar", "butter", "olive oil", "garlic", "onions", "tomatoes", "basil", "lemon juice",
    "chicken thighs", "rice", "chickpeas", "spinach", "mushrooms", "cream", "eggs", "milk", "honey",
    "paprika", "cumin", "ginger", "soy sauce", "carrots", "potatoes", "celery", "parsley", "yogurt",
    "cinnamon", "vanilla extract", "baking powder", "salt", "black pepper", "coconut milk", "lentils",
]
PRODUCTS = ["backpack", "desk lamp", "running shoes", "coffee grinder", "wireless headphones", "rain jacket",
            "cast iron pan", "office chair", "yoga mat", "electric kettle", "hiking boots", "smart watch",
            "bookshelf", "blender", "sleeping bag", "bike helmet", "water bottle", "laptop stand"]
LANGS = ["Python", "JavaScript", "Go", "Rust", "Java", "Ruby", "TypeScript", "PHP", "C#", "Kotlin"]


def _money(rng: random.Random) -> str:
    return rng.choice([f"${rng.randint(5, 400)}.{rng.choice(['00', '49', '95', '99'])}",
                       f"{rng.randint(2, 90)}.{rng.randint(1, 9)} million dollars", f"${rng.randint(2, 40)} billion"])


SLOTS = {
    "first": lambda r: r.choice(FIRST),
    "last": lambda r: r.choice(LAST),
    "name": lambda r: f"{r.choice(FIRST)} {r.choice(LAST)}",
    "city": lambda r: r.choice(CITIES),
    "country": lambda r: r.choice(COUNTRIES),
    "univ": lambda r: r.choice([f"University of {r.choice(CITIES)}", f"{r.choice(CITIES)} State University",
                                f"{r.choice(LAST)} College", f"{r.choice(LAST)} Institute of Technology"]),
    "company": lambda r: f"{r.choice(CO_PREFIX)}{r.choice(['', ' '])}{r.choice(CO_SUFFIX)}",
    "team": lambda r: f"{r.choice(CITIES)} {r.choice(MASCOTS)}",
    "field": lambda r: r.choice(FIELDS),
    "venue": lambda r: r.choice(VENUES),
    "year": lambda r: str(r.randint(1850, 2024)),
    "recent": lambda r: str(r.randint(2012, 2025)),
    "month": lambda r: r.choice(MONTHS),
    "weekday": lambda r: r.choice(WEEKDAYS),
    "date": lambda r: f"{r.choice(MONTHS)} {r.randint(1, 28)}",
    "n": lambda r: str(r.randint(2, 12)),
    "big": lambda r: f"{r.randint(120, 9800):,}",
    "pct": lambda r: f"{r.randint(1, 40)}.{r.randint(0, 9)}",
    "money": _money,
    "price": lambda r: f"${r.randint(4, 250)}.{r.choice(['00', '50', '95', '99'])}",
    "time": lambda r: f"{r.randint(1, 11)}:{r.choice(['00', '15', '30', '45'])} {r.choice(['am', 'pm'])}",
    "score": lambda r: f"{r.randint(0, 5)}-{r.randint(0, 4)}",
    "item": lambda r: r.choice(ITEMS),
    "ingredient": lambda r: r.choice(INGREDIENTS),
    "product": lambda r: r.choice(PRODUCTS),
    "lang": lambda r: r.choice(LANGS),
    "version": lambda r: f"{r.randint(0, 4)}.{r.randint(0, 19)}.{r.randint(0, 9)}",
    "port": lambda r: str(r.choice([3000, 5000, 8000, 8080, 8443, 9000])),
}
_SLOT = re.compile(r"\{(\w+)\}")


def fill(rng: random.Random, template: str) -> str:
    """The template with every `{slot}` replaced by a draw from its bank (unknown slots stay)."""
    return _SLOT.sub(lambda m: SLOTS[m.group(1)](rng) if m.group(1) in SLOTS else m.group(0), template)


def pick(rng: random.Random, templates: list[str], k: int) -> list[str]:
    """k distinct templates (or all of them), filled."""
    return [fill(rng, t) for t in rng.sample(templates, min(k, len(templates)))]
