"""Word problems with worked solutions: the everyday-story side of web math (homework help,
worksheets, tutoring sites, contest counting problems).

Each generator draws its numbers and its story (people, places, animals, goods) from the caller's
seeded `random.Random` and returns (question, solution steps). Most solutions are plain
arithmetic (`12 * 4 = 48`); counting and probability ones mark their formulas with
`sample_math.m`, so a page can render them as TeX or as text.
"""
from __future__ import annotations

import math
import random
from fractions import Fraction

from curation.sample_math import m
from curation.sample_words import CITIES, FIRST, ITEMS

PLACES = ["farm", "bakery", "zoo", "library", "school", "market", "beach", "park", "toy store", "factory", "garden centre",
          "stadium", "museum", "aquarium", "bookshop", "cinema", "swimming pool", "orchard", "campsite", "fair"]
ANIMALS = ["dogs", "cats", "chickens", "cows", "horses", "rabbits", "goats", "ducks", "sheep", "goldfish", "parrots", "pigs"]
VEHICLES = ["bus", "train", "car", "truck", "ferry", "cyclist", "delivery van", "plane", "tractor", "scooter"]
GOODS = [("notebook", 3), ("sandwich", 6), ("ticket", 12), ("pair of socks", 4), ("cupcake", 2), ("magazine", 5),
         ("bag of rice", 8), ("bunch of flowers", 9), ("pen", 1), ("lunch box", 7), ("kite", 11), ("puzzle", 15)]
PLANTS = [("tomato", "tomatoes"), ("pepper", "peppers"), ("sunflower", "seeds"), ("strawberry", "berries"), ("bean", "pods")]
GROUPS = ["bags", "boxes", "baskets", "jars", "crates", "shelves", "envelopes", "trays"]
WORDS = {2: "twice", 3: "three times", 4: "four times", 5: "five times"}


def _who(r: random.Random, k: int = 1) -> list[str]:
    return r.sample(FIRST, k)


def _plural(noun: str) -> str:
    if " of " in noun:
        head, tail = noun.split(" of ", 1)
        return f"{_plural(head)} of {tail}"
    return noun + ("es" if noun.endswith(("ch", "sh", "s", "x")) else "s")


def _money(x: float) -> str:
    return f"${x:,.2f}" if x != int(x) else f"${int(x):,}"


def p_change(r):
    (who,), (g1, p1), (g2, p2) = _who(r), *r.sample(GOODS, 2)
    n1, n2 = r.randint(2, 6), r.randint(1, 5)
    cost = n1 * p1 + n2 * p2
    bill = 50 if cost < 50 else 100 if cost < 100 else 200
    return (f"{who} bought {n1} {_plural(g1)} at {_money(p1)} each and {n2} {_plural(g2)} at {_money(p2)} each, and paid with a {_money(bill)} bill. How much change did {who} get?",
            [f"The {_plural(g1)} cost {n1} x {_money(p1)} = {_money(n1 * p1)}.", f"The {_plural(g2)} cost {n2} x {_money(p2)} = {_money(n2 * p2)}.",
             f"Together that is {_money(n1 * p1)} + {_money(n2 * p2)} = {_money(cost)}.", f"The change is {_money(bill)} - {_money(cost)} = {_money(bill - cost)}."])


def p_visitors(r):
    place, a, b = r.choice(PLACES), r.randint(20, 90), r.randint(5, 40)
    return (f"On the first day, {a} people visited the {place}. On the second day there were {b} more visitors than on the first day, "
            f"and on the third day the number of visitors was twice the number on the second day. How many people visited the {place} over the three days?",
            [f"Second day: {a} + {b} = {a + b} visitors.", f"Third day: 2 x {a + b} = {2 * (a + b)} visitors.",
             f"In total: {a} + {a + b} + {2 * (a + b)} = {a + (a + b) + 2 * (a + b)} visitors."])


def p_fractions_of_group(r):
    k = r.randint(2, 6) * 15
    walk, rest = k * 2 // 5, k - k * 2 // 5
    bus = rest // 3
    return (f"There are {k} students in a school year. Two fifths of them walk to school, one third of the rest take the bus, and the others ride a bike. How many students ride a bike?",
            [f"{k} x 2/5 = {walk} students walk.", f"That leaves {k} - {walk} = {rest} students.", f"One third of them, {rest} / 3 = {bus}, take the bus.",
             f"So {rest} - {bus} = {rest - bus} students ride a bike."])


def p_weights(r):
    a1, a2, a3 = r.sample(["puppy", "kitten", "lamb", "piglet", "goat", "turtle", "rabbit"], 3)
    w, t, q = r.randint(3, 12) * 4, r.choice([2, 3]), r.choice([2, 4])
    w2 = w * t
    w3 = w2 // q
    return (f"A {a1} weighs {w} pounds. A {a2} weighs {WORDS[t]} as much as the {a1}, and a {a3} weighs 1/{q} as much as the {a2}. What is the average weight of the three animals?",
            [f"The {a2} weighs {w} x {t} = {w2} pounds.", f"The {a3} weighs {w2} / {q} = {w3} pounds.",
             f"The total is {w} + {w2} + {w3} = {w + w2 + w3} pounds, so the average is {w + w2 + w3} / 3 = {Fraction(w + w2 + w3, 3)} pounds."])


def p_average_needed(r):
    (who,), s = _who(r), [r.randint(60, 95) for _ in range(3)]
    target = r.randint(75, 90)
    need = 4 * target - sum(s)
    return (f"{who} scored {s[0]}, {s[1]} and {s[2]} on three tests. What score does {who} need on the fourth test to have an average of {target}?",
            [f"An average of {target} over four tests means a total of 4 x {target} = {4 * target} points.",
             f"The first three tests give {s[0]} + {s[1]} + {s[2]} = {sum(s)} points.", f"So the fourth score must be {4 * target} - {sum(s)} = {need}."])


def p_speed(r):
    v, s, h = r.choice(VEHICLES), r.randint(3, 8) * 10, r.randint(2, 8)
    return (f"A {v} travels at {s} miles per hour for {h} hours. A second {v} moves at half that speed. How long does the second one take to cover the same distance?",
            [f"The distance is {s} x {h} = {s * h} miles.", f"Half the speed is {s} / 2 = {s // 2} miles per hour.",
             f"The time is {s * h} / {s // 2} = {2 * h} hours."])


def p_meeting(r):
    v1, v2, t = r.randint(4, 9) * 10, r.randint(3, 8) * 10, r.randint(2, 5)
    return (f"Two trains leave stations {(v1 + v2) * t} km apart at the same time and travel toward each other at {v1} km/h and {v2} km/h. After how many hours do they meet?",
            [f"Together they close the gap at {v1} + {v2} = {v1 + v2} km per hour.", f"They meet after {(v1 + v2) * t} / {v1 + v2} = {t} hours."])


def p_percent_change(r):
    g, p = r.choice(GOODS)[0], r.randint(4, 40) * 5
    pct = r.choice([10, 20, 25, 40, 50])
    return (f"Last year a {g} cost {_money(p)}. This year the price went up by {pct}%. How much do 3 of them cost now?",
            [f"The increase is {pct}% of {_money(p)} = {_money(p * pct / 100)}.", f"The new price is {_money(p)} + {_money(p * pct / 100)} = {_money(p * (100 + pct) / 100)}.",
             f"Three cost 3 x {_money(p * (100 + pct) / 100)} = {_money(3 * p * (100 + pct) / 100)}."])


def p_work_together(r):
    a, b = _who(r, 2)
    x, y = r.choice([(3, 6), (4, 12), (6, 12), (2, 6), (10, 15), (12, 24)])
    t = Fraction(x * y, x + y)
    return (f"{a} can paint a fence in {x} hours, and {b} can paint the same fence in {y} hours. How long does it take them working together?",
            [f"In one hour {a} paints {m(f'@frac{{1}}{{{x}}}')} of the fence and {b} paints {m(f'@frac{{1}}{{{y}}}')}.",
             f"Together they paint {m(f'@frac{{1}}{{{x}}} + @frac{{1}}{{{y}}} = @frac{{{(x + y) // math.gcd(x + y, x * y)}}}{{{x * y // math.gcd(x + y, x * y)}}}')} of it per hour.",
             f"So the job takes {t} hours."])


def p_ratio(r):
    a, b, k = r.randint(2, 5), r.randint(2, 7), r.randint(3, 12)
    if a == b:
        b += 1
    return (f"The ratio of boys to girls in a chess club is {a}:{b}. If the club has {(a + b) * k} members, how many more girls than boys are there?".replace(
        "more girls than boys", "more girls than boys" if b > a else "more boys than girls"),
            [f"The club splits into {a} + {b} = {a + b} equal parts of {(a + b) * k} / {a + b} = {k} members.",
             f"There are {a} x {k} = {a * k} boys and {b} x {k} = {b * k} girls.", f"The difference is {abs(b * k - a * k)}."])


def p_saving(r):
    (who,), week, price = _who(r), r.randint(5, 25), r.randint(60, 400)
    weeks = -(-price // week)
    return (f"{who} wants to buy a bike that costs {_money(price)} and saves {_money(week)} every week. How many weeks will it take?",
            [f"{price} / {week} = {price / week:.2f}, so {weeks - 1} weeks are not enough.", f"{who} needs {weeks} weeks."])


def p_leftover(r):
    (who,), k, n = _who(r), r.randint(3, 9), r.randint(40, 200)
    item = r.choice(ITEMS)
    return (f"{who} has {n} {item} to put into {k} {r.choice(GROUPS)} so that each gets the same number, as many as possible. How many {item} are left over?",
            [f"{n} divided by {k} is {n // k} with remainder {n % k}.", f"Each gets {n // k} {item}, and {n % k} are left over."])


def p_clock(r):
    h, mm, dur = r.randint(1, 9), r.choice([0, 15, 20, 30, 45]), r.randint(70, 200)
    end = h * 60 + mm + dur
    return (f"A film starts at {h}:{mm:02d} pm and lasts {dur} minutes. At what time does it end?",
            [f"{dur} = {dur // 60} x 60 + {dur % 60}, so the film lasts {dur // 60} h {dur % 60} min.",
             f"{h}:{mm:02d} + {dur // 60}:{dur % 60:02d} = {end // 60}:{end % 60:02d}, so it ends at {end // 60}:{end % 60:02d} pm."])


def p_paint(r):
    w, h, c = r.randint(10, 30), r.randint(8, 12), r.choice([50, 100, 150])
    area = w * h
    return (f"A wall is {w} feet long and {h} feet high. One can of paint covers {c} square feet. How many cans are needed for two coats?",
            [f"The area is {w} x {h} = {area} square feet.", f"Two coats cover 2 x {area} = {2 * area} square feet.",
             f"{2 * area} / {c} = {2 * area / c:.2f}, so {-(-2 * area // c)} cans are needed."])


def p_consecutive(r):
    n = r.randint(5, 60)
    return (f"The sum of three consecutive integers is {3 * n + 3}. What is the largest of them?",
            [f"Call them {m('n')}, {m('n + 1')} and {m('n + 2')}. Then {m(f'3n + 3 = {3 * n + 3}')}, so {m(f'n = {n}')}.", f"The largest is {n + 2}."])


def p_ages(r):
    a, b = _who(r, 2)
    x, k = r.randint(4, 12), r.randint(3, 10)
    y = 2 * (x + k) - k
    return (f"{a} is {x} years old and {b} is {y}. In {k} years, {b} will be twice as old as {a}. Check this, and find the sum of their ages now.",
            [f"In {k} years {a} will be {x} + {k} = {x + k} and {b} will be {y} + {k} = {y + k}.", f"Indeed 2 x {x + k} = {2 * (x + k)}.",
             f"Their ages now add up to {x} + {y} = {x + y}."])


def p_marbles(r):
    red, blue, green = r.randint(2, 9), r.randint(2, 9), r.randint(2, 9)
    t = red + blue + green
    return (f"A bag contains {red} red, {blue} blue and {green} green marbles. One marble is drawn at random. What is the probability that it is not blue?",
            [f"There are {red} + {blue} + {green} = {t} marbles, and {t - blue} of them are not blue.",
             f"The probability is {m(f'@frac{{{t - blue}}}{{{t}}}')}" + (f", which simplifies to {m(str(Fraction(t - blue, t)).replace('/', '/'))}." if math.gcd(t - blue, t) > 1 else ".")])


def p_two_draws(r):
    red, blue = r.randint(3, 8), r.randint(2, 7)
    t = red + blue
    p = Fraction(red * (red - 1), t * (t - 1))
    return (f"A box holds {red} red balls and {blue} blue balls. Two balls are taken out at random without replacement. What is the probability that both are red?",
            [f"The first ball is red with probability {m(f'@frac{{{red}}}{{{t}}}')}; then {red - 1} of the remaining {t - 1} balls are red.",
             f"So the probability is {m(f'@frac{{{red}}}{{{t}}} @cdot @frac{{{red - 1}}}{{{t - 1}}} = {_tex_frac(p)}')}."])


def p_handshakes(r):
    n = r.randint(5, 25)
    return (f"At a party, each of the {n} guests shakes hands exactly once with every other guest. How many handshakes take place?",
            [f"Each handshake is a pair of guests, so we count pairs: {m(f'@binom{{{n}}}{{2}} = @frac{{{n} @cdot {n - 1}}}{{2}} = {n * (n - 1) // 2}')}."])


def p_between_groups(r):
    a, b = r.randint(3, 9), r.randint(4, 12)
    return (f"{a} teachers and {b} parents are at a meeting. Every teacher shakes hands with every parent, and nobody else shakes hands. How many handshakes are there?",
            [f"Each of the {a} teachers shakes {b} hands, so there are {a} x {b} = {a * b} handshakes."])


def p_seating(r):
    n = r.randint(4, 8)
    return (f"In how many ways can {n} friends sit in a row of {n} chairs if two of them insist on sitting next to each other?",
            [f"Glue the two friends into one block. Then we arrange {n - 1} units in {m(f'{n - 1}! = {math.factorial(n - 1)}')} ways.",
             f"Inside the block the two can swap, so the answer is {m(f'2 @cdot {n - 1}! = {2 * math.factorial(n - 1)}')}."])


def p_committee(r):
    w, mn, k = r.randint(4, 8), r.randint(4, 8), r.randint(1, 2)
    ways = math.comb(w, k) * math.comb(mn, k + 1)
    return (f"A club has {w} women and {mn} men. How many ways are there to choose a committee of {k} women and {k + 1} men?",
            [f"Choose the women in {m(f'@binom{{{w}}}{{{k}}} = {math.comb(w, k)}')} ways and the men in {m(f'@binom{{{mn}}}{{{k + 1}}} = {math.comb(mn, k + 1)}')} ways.",
             f"By the multiplication principle there are {math.comb(w, k)} x {math.comb(mn, k + 1)} = {ways} committees."])


def p_coins(r):
    (who,), q, dd, n = _who(r), r.randint(2, 15), r.randint(2, 15), r.randint(2, 15)
    cents = 25 * q + 10 * dd + 5 * n
    return (f"{who} has {q} quarters, {dd} dimes and {n} nickels. How much money is that?",
            [f"Quarters: {q} x 25 = {25 * q} cents. Dimes: {dd} x 10 = {10 * dd} cents. Nickels: {n} x 5 = {5 * n} cents.",
             f"Total: {25 * q} + {10 * dd} + {5 * n} = {cents} cents, or {_money(cents / 100)}."])


def p_recipe_scale(r):
    cups, batch, k = r.randint(2, 5), r.choice([12, 18, 24]), r.choice([2, 3, 4])
    return (f"A recipe uses {cups} cups of flour for {batch} cookies. How many cups of flour are needed for {batch * k} cookies, and how many for {batch // 2}?",
            [f"{batch * k} cookies is {batch * k} / {batch} = {k} batches, so {k} x {cups} = {k * cups} cups.",
             f"{batch // 2} cookies is half a batch, so {cups} / 2 = {cups / 2:g} cups."])


def p_tank(r):
    v, fill_rate, leak = r.randint(6, 30) * 10, r.randint(8, 15), r.randint(2, 6)
    net = fill_rate - leak
    return (f"A tank holds {v * net} liters. A pipe fills it at {fill_rate} liters per minute while a leak drains {leak} liters per minute. How long does it take to fill the empty tank?",
            [f"The tank gains {fill_rate} - {leak} = {net} liters per minute.", f"It is full after {v * net} / {net} = {v} minutes."])


def p_interest(r):
    (who,), P, rate, t = _who(r), r.randint(5, 50) * 100, r.randint(2, 8), r.randint(2, 6)
    i = P * rate * t // 100
    return (f"{who} puts {_money(P)} in a savings account that pays {rate}% simple interest per year. How much is in the account after {t} years?",
            [f"Each year the interest is {rate}% of {_money(P)} = {_money(P * rate / 100)}.", f"After {t} years that is {t} x {_money(P * rate / 100)} = {_money(i)}.",
             f"The balance is {_money(P)} + {_money(i)} = {_money(P + i)}."])


def p_tickets(r):
    a, c = r.randint(8, 15), r.randint(3, 7)
    adults, kids = r.randint(20, 90), r.randint(20, 90)
    n, total = adults + kids, adults * a + kids * c
    return (f"Adult tickets to the {r.choice(PLACES)} cost {_money(a)} and child tickets cost {_money(c)}. {n} tickets were sold for {_money(total)} in total. How many adult tickets were sold?",
            [f"Let {m('x')} be the number of adult tickets. Then {m(f'{a}x + {c}({n} - x) = {total}')}.",
             f"So {m(f'{a - c}x = {total} - {c * n} = {total - c * n}')} and {m(f'x = {adults}')}.", f"{adults} adult tickets were sold."])


def p_garden(r):
    (who,), rows, per, yld = _who(r), r.randint(3, 9), r.randint(4, 12), r.randint(5, 20)
    plant, crop = r.choice(PLANTS)
    return (f"{who} plants {rows} rows of {plant} plants with {per} plants in each row. Each plant gives {yld} {crop}. How many {crop} does {who} harvest, and how many bags of 10?",
            [f"There are {rows} x {per} = {rows * per} plants.", f"They give {rows * per} x {yld} = {rows * per * yld} {crop}.",
             f"That fills {rows * per * yld} / 10 = {rows * per * yld // 10} bags, with {rows * per * yld % 10} left over."])


def p_running(r):
    (who,), a, dd, n = _who(r), r.randint(1, 5), r.randint(1, 3), r.randint(5, 14)
    total = n * (2 * a + (n - 1) * dd) // 2
    return (f"{who} runs {a} km on the first day of training and {dd} km more each day than the day before. How far does {who} run in the first {n} days?",
            [f"On day {n} the distance is {a} + {n - 1} x {dd} = {a + (n - 1) * dd} km.",
             f"The total is {n} x ({a} + {a + (n - 1) * dd}) / 2 = {total} km."])


def p_divisible_count(r):
    k = r.randint(3, 17)
    first, last = -(-100 // k) * k, 999 // k * k
    return (f"How many three-digit numbers are divisible by {k}?",
            [f"The smallest is {first} = {k} x {first // k} and the largest is {last} = {k} x {last // k}.",
             f"So there are {last // k} - {first // k} + 1 = {last // k - first // k + 1} of them."])


def p_test_percent(r):
    (who,), n, pct = _who(r), r.choice([20, 40, 50, 80]), r.choice([60, 70, 75, 85, 90])
    right = n * pct // 100
    return (f"A test has {n} questions. {who} answered {pct}% of them correctly. How many did {who} get wrong?",
            [f"Correct answers: {pct}% of {n} = {right}.", f"Wrong answers: {n} - {right} = {n - right}."])


def p_animals_legs(r):
    heads = r.randint(10, 40)
    cows = r.randint(1, heads - 1)
    legs = 4 * cows + 2 * (heads - cows)
    return (f"A farmer has chickens and cows. Together they have {heads} heads and {legs} legs. How many cows are there?",
            ["If every animal were a chicken there would be " + f"2 x {heads} = {2 * heads} legs.",
             f"Each cow adds 2 more legs, and there are {legs} - {2 * heads} = {legs - 2 * heads} extra legs.",
             f"So there are {legs - 2 * heads} / 2 = {cows} cows and {heads - cows} chickens."])


def p_pets(r):
    (who,), a = _who(r), r.choice(ANIMALS)
    n, k, sold = r.randint(10, 40), r.randint(2, 4), r.randint(3, 9)
    return (f"A pet shop had {n} {a}. It bought {k} times as many more, then sold {sold}. How many {a} does the shop have now?",
            [f"It bought {k} x {n} = {k * n} more {a}, for {n} + {k * n} = {n + k * n}.", f"After selling {sold}: {n + k * n} - {sold} = {n + k * n - sold}."])


# --- counting and probability told in words -------------------------------------------------
def c_balls_boxes(r):
    n = r.randint(4, 9)
    splits = [(n - k, k) for k in range(0, n // 2 + 1)]
    return (f"How many ways are there to put {n} identical marbles into 2 identical jars?",
            ["Since neither the marbles nor the jars can be told apart, all that matters is how many marbles end up in each jar.",
             "We can list the possibilities, putting the larger pile first: " + ", ".join(f"{a} and {b}" for a, b in splits) + ".",
             f"That gives a total of {m(str(len(splits)))} ways."])


def c_circle(r):
    n = r.randint(5, 9)
    return (f"In how many ways can {n} people sit around a round table, if two seatings are the same when one is a rotation of the other?",
            [f"Fix the seat of one person; the remaining {n - 1} people can then be arranged in the other seats in any order.",
             f"So the number of seatings is {m(f'({n} - 1)! = {math.factorial(n - 1)}')}."])


def c_grid_paths(r):
    a, b = r.randint(2, 6), r.randint(2, 6)
    return (f"A robot starts at the bottom left corner of a {a} by {b} grid and moves only up or to the right along the lines. How many different paths lead to the top right corner?",
            [f"Every path is a sequence of {a} moves to the right and {b} moves up, in some order.",
             f"Choosing which of the {a + b} moves go right fixes the path, so there are {m(f'@binom{{{a + b}}}{{{a}}} = {math.comb(a + b, a)}')} paths."])


def c_word(r):
    word = r.choice(["LEVEL", "BANANA", "COOKIE", "APPLE", "PEPPER", "BOOKKEEPER", "LETTER", "PUZZLE"])
    counts = {ch: word.count(ch) for ch in sorted(set(word))}
    total = math.factorial(len(word))
    for c in counts.values():
        total //= math.factorial(c)
    rep = ", ".join(f"{ch} appears {k} times" for ch, k in counts.items() if k > 1)
    den = " ".join(f"{k}!" for k in counts.values() if k > 1)
    return (f"How many different arrangements of the letters of the word {word} are there?",
            [f"The word has {len(word)} letters, but some of them repeat: {rep}.",
             f"Swapping equal letters does not give a new word, so we divide: {m(f'@frac{{{len(word)}!}}{{{den}}} = {total}')}."])


def c_officers(r):
    n, (p1, p2) = r.randint(8, 25), r.choice([("president", "secretary"), ("captain", "vice captain"), ("chair", "treasurer")])
    return (f"A club with {n} members wants to choose a {p1} and a {p2}. No member can hold both jobs. In how many ways can this be done?",
            [f"There are {n} choices for the {p1}, and then {n - 1} choices for the {p2} among the remaining members.",
             f"By the multiplication principle the answer is {n} * {n - 1} = {n * (n - 1)}."])


def c_outfits(r):
    s, p, h = r.randint(3, 8), r.randint(2, 6), r.randint(2, 5)
    return (f"{r.choice(FIRST)} has {s} shirts, {p} pairs of trousers and {h} hats. An outfit is a shirt and a pair of trousers, with or without a hat. How many outfits are possible?",
            [f"There are {s} * {p} = {s * p} ways to choose the shirt and the trousers.",
             f"For the hat there are {h} + 1 = {h + 1} options, counting the option of no hat at all.",
             f"So the number of outfits is {s * p} * {h + 1} = {s * p * (h + 1)}."])


def c_round_robin(r):
    n = r.randint(5, 16)
    return (f"In a chess tournament each of the {n} players plays every other player exactly once. How many games are played in total?",
            [f"Each player plays {n - 1} games, which gives {n} * {n - 1} = {n * (n - 1)}, but this counts every game twice, once for each player.",
             f"So there are {n * (n - 1)} / 2 = {n * (n - 1) // 2} games."])


def c_diagonals(r):
    n = r.randint(5, 20)
    return (f"How many diagonals does a convex polygon with {n} sides have?",
            [f"From each of the {n} vertices we can draw a diagonal to every vertex except itself and its two neighbours, that is to {n - 3} vertices.",
             f"Each diagonal is counted from both of its ends, so the number of diagonals is {m(f'@frac{{{n}({n} - 3)}}{{2}} = {n * (n - 3) // 2}')}."])


def c_coins(r):
    n = r.randint(3, 8)
    return (f"A fair coin is tossed {n} times. What is the probability of getting at least one head?",
            [f"The only way to get no heads at all is to get tails on every toss, which happens with probability {m(f'@left(@frac{{1}}{{2}}@right)^{{{n}}} = @frac{{1}}{{{2 ** n}}}')}.",
             f"So the probability of at least one head is {m(f'1 - @frac{{1}}{{{2 ** n}}} = @frac{{{2 ** n - 1}}}{{{2 ** n}}}')}."])


def c_primes_odds(r):
    n = r.choice([20, 25, 30, 40, 50])
    primes = [p for p in range(2, n) if all(p % q for q in range(2, int(p ** 0.5) + 1))]
    return (f"How many numbers are in both the set of prime numbers less than {n} and the set of odd numbers?",
            [f"The primes less than {n} are " + ", ".join(map(str, primes)) + ".",
             "Every one of them is odd except for 2, which is the only even prime.",
             f"So the answer is {len(primes)} - 1 = {len(primes) - 1}."])


def c_multiples(r):
    a, b = r.sample([2, 3, 5, 7], 2)
    n = r.choice([50, 60, 100, 120, 200])
    both = n // (a * b)
    return (f"How many positive integers up to {n} are divisible by {a} or by {b}?",
            [f"There are {n // a} multiples of {a} and {n // b} multiples of {b} in this range.",
             f"The numbers divisible by both are the multiples of {a * b}, and there are {both} of them; they were counted twice.",
             f"By inclusion and exclusion the answer is {n // a} + {n // b} - {both} = {n // a + n // b - both}."])


def c_same_colour(r):
    a, b = r.randint(2, 6), r.randint(2, 6)
    t = a + b
    same = Fraction(a * (a - 1) + b * (b - 1), t * (t - 1))
    return (f"A drawer holds {a} black socks and {b} white socks. Two socks are pulled out in the dark. What is the probability that they match?",
            [f"There are {m(f'@binom{{{t}}}{{2}} = {t * (t - 1) // 2}')} ways to pick two socks.",
             f"Of these, {m(f'@binom{{{a}}}{{2}} + @binom{{{b}}}{{2}} = {a * (a - 1) // 2 + b * (b - 1) // 2}')} pairs have the same colour.",
             f"So the probability that the socks match is {m(_tex_frac(same))}."])


def c_candies(r):
    n, k = r.randint(5, 12), r.randint(2, 4)
    return (f"In how many ways can {n} identical candies be shared among {k} children if every child may get any number of candies, including none?",
            [f"Line the candies up and place {k - 1} dividers between them; every arrangement of candies and dividers is one way to share.",
             f"So we choose the positions of the {k - 1} dividers among {n + k - 1} places: {m(f'@binom{{{n + k - 1}}}{{{k - 1}}} = {math.comb(n + k - 1, k - 1)}')}."])


def n_common_factors(r):
    a, b = r.choice([(12, 18), (24, 36), (30, 45), (40, 60), (48, 72), (20, 50), (36, 54), (60, 90)])
    fa = [d for d in range(1, a + 1) if a % d == 0]
    common = [d for d in fa if b % d == 0]
    return (f"How many positive integers are factors of both {a} and {b}?",
            [f"The factors of {a} are " + ", ".join(map(str, fa)) + ".",
             f"Of these, the ones that also divide {b} are " + ", ".join(map(str, common)) + f", so there are {len(common)} of them.",
             f"Another way to see it: the common factors are exactly the factors of {m(f'@gcd({a}, {b}) = {math.gcd(a, b)}')}."])


def n_digit_sum(r):
    s = r.randint(4, 11)
    nums = [n for n in range(10, 100) if n // 10 + n % 10 == s]
    return (f"How many two-digit numbers have digits that add up to {s}? Which of them are even?",
            ["We list the two-digit numbers whose digit sum is " + f"{s}: " + ", ".join(map(str, nums)) + ".",
             f"There are {len(nums)} of them, and the even ones are " + (", ".join(str(n) for n in nums if n % 2 == 0) or "none") + "."])


def n_squares_between(r):
    a, b = r.randint(10, 200), r.randint(300, 2000)
    lo, hi = math.isqrt(a - 1) + 1, math.isqrt(b)
    return (f"How many perfect squares are there between {a} and {b}?",
            [f"The smallest square that is at least {a} is {m(f'{lo}^2 = {lo * lo}')}, and the largest square that is at most {b} is {m(f'{hi}^2 = {hi * hi}')}.",
             f"So the squares in the range are those of the whole numbers from {lo} to {hi}, and there are {hi} - {lo} + 1 = {hi - lo + 1} of them."])


def n_buses(r):
    a, b = r.sample([6, 8, 9, 10, 12, 15, 20], 2)
    l_ = a * b // math.gcd(a, b)
    return (f"One bus leaves the station every {a} minutes and another bus leaves every {b} minutes. Both leave together at 8:00. When do they next leave together?",
            [f"They leave together again after a number of minutes that is a multiple of both {a} and {b}.",
             f"The least common multiple is {m(f'@operatorname{{lcm}}({a}, {b}) = {l_}')}, so they next leave together {l_} minutes later, at {8 + l_ // 60}:{l_ % 60:02d}."])


def n_rows(r):
    m_, (k1, k2) = r.randint(30, 90), r.choice([(3, 7), (4, 7), (5, 7), (5, 6), (4, 9), (3, 8)])
    n = next(x for x in range(m_, m_ + 300) if x % k1 == 1 and x % k2 == 2)
    return (f"When the students of a class line up in rows of {k1}, one student is left over, and in rows of {k2}, two are left over. What is the smallest possible number of students, if there are at least {m_}?",
            [f"We need a number that leaves remainder 1 when divided by {k1} and remainder 2 when divided by {k2}.",
             f"Checking the numbers from {m_} upward that leave remainder 2 when divided by {k2}, the first one that works is {n}.",
             f"Indeed {n} = {k1} * {n // k1} + 1 and {n} = {k2} * {n // k2} + 2."])


def g_polygon_angles(r):
    n = r.randint(5, 12)
    return (f"What is the sum of the interior angles of a polygon with {n} sides, and how big is each angle if the polygon is regular?",
            [f"A polygon with {n} sides can be cut into {n - 2} triangles from one vertex, and the angles of each triangle add up to 180 degrees.",
             f"So the interior angles add up to {m(f'({n} - 2) @cdot 180^@circ = {(n - 2) * 180}^@circ')}.",
             f"In a regular polygon all the angles are equal, so each one measures {m(f'@frac{{{(n - 2) * 180}}}{{{n}}}')} degrees, which is about {(n - 2) * 180 / n:.1f}."])


def _tex_frac(q: Fraction) -> str:
    return str(q.numerator) if q.denominator == 1 else f"\\frac{{{q.numerator}}}{{{q.denominator}}}"


FIRST_STEP = ["First, we need to work out the key quantity.", "Let's start with what we know.", "To begin,", "First,",
              "We can solve this one step at a time.", "Start by reading the question carefully.", ""]
NEXT_STEP = ["Next,", "Then", "Now", "So", "This means that", "After that,", "From this,", "Finally,", "", ""]
CLOSING = ["So the answer to the question is the last number above.", "Always check that the answer makes sense in the story.",
           "You can check the result by working backwards.", "That is the final answer.", "Hope this helps!",
           "The trick is to write down each quantity before you combine them."]

PROBLEMS = [p_change, p_visitors, p_fractions_of_group, p_weights, p_average_needed, p_speed, p_meeting, p_percent_change,
            p_work_together, p_ratio, p_saving, p_leftover, p_clock, p_paint, p_consecutive, p_ages, p_marbles, p_two_draws,
            p_handshakes, p_between_groups, p_seating, p_committee, p_coins, p_recipe_scale, p_tank, p_interest, p_tickets,
            p_garden, p_running, p_divisible_count, p_test_percent, p_animals_legs, p_pets,
            c_balls_boxes, c_circle, c_grid_paths, c_word, c_officers, c_outfits, c_round_robin, c_diagonals, c_coins,
            c_primes_odds, c_multiples, c_same_colour, c_candies, n_common_factors, n_digit_sum, n_squares_between, n_buses,
            n_rows, g_polygon_angles]

# Story openings: everyday sentences a problem starts with (they also fit on non-math pages).
OPENERS = [
    "Every summer the town of {city} holds a fair by the river.", "{first} loves spending weekends at the {place}.",
    "The school is planning a trip for the end of the year.", "It rained all morning, so the children stayed inside.",
    "The bakery on the corner opens at six in the morning.", "{first} just started a new job at the {place}.",
    "Last weekend the family drove to the coast to visit their grandparents.", "The local sports club is raising money for new equipment.",
    "{first} and {first2} are planning a party for their friends.", "A new shop has opened in the centre of the town.",
    "The farmer gets up before sunrise to look after the animals.", "During the holidays the library runs a reading challenge.",
    "{first} is saving up for something special.", "The class is growing plants for a science project.",
    "On Saturday morning the market in the old square was busier than usual, and the stalls ran out of bread early.",
    "{first} and her brother help their parents in the family shop after school and on the weekends.",
    "The owner of the cafe wants to know whether the new menu is worth the cost of printing it.",
    "The city has just finished building a new cycle path along the edge of the park.",
    "After a long winter, the garden is finally ready for planting, and the seeds arrived in the post.",
    "The team travels to away games by coach, and the club pays for the fuel and the driver.",
    "{first} has been collecting stamps since the age of seven and keeps them in a big blue album.",
    "The museum is preparing for the busiest week of the year, when the schools are on holiday.",
    "Every evening the ferry takes workers and tourists across the bay to the island.",
    "The students in the art class are making cards to sell at the spring fair.",
    "{first} runs a small online shop that sells handmade candles and soap.",
    "A group of friends from {city} rent a cabin in the mountains for a long weekend.",
]
# Why a step is taken, in words: worked solutions on the web explain as much as they compute.
WHY = [
    "To find the total, we add the amounts together.", "To find how many are left, we subtract what was used from what we started with.",
    "Dividing the total by the number of groups tells us how many are in each group.",
    "Multiplying the number of items by the price of each one gives the cost.", "We have to be careful to use the same units everywhere.",
    "The question asks for the difference, so we subtract the smaller number from the larger one.",
    "It helps to write down what each number in the story stands for.", "Half of a number is the number divided by two.",
    "Twice as many means we multiply by two.", "A percentage is a number out of one hundred.",
    "The rate tells us how much happens in one unit of time.", "We only need the numbers that matter for the question, and the rest of the story can be ignored.",
    "Once we know the amount for one, we can find the amount for any number of them.",
]


def _lead(lead: str, step: str) -> str:
    if not lead:
        return step
    if lead.endswith((".", "!")):
        return f"{lead} {step}"
    first = step.split()[0]
    if first in ("So", "Then", "Indeed", "Together", "After", "Each", "In", "Inside", "Since", "Finally") or not first.isalpha():
        return step
    return f"{lead} {step if first in FIRST else step[0].lower() + step[1:]}"


def word_problem(rng: random.Random) -> tuple[str, list[str]]:
    """(question, solution steps) of a random story problem; formulas marked with `m`. Solutions
    are written the ways people write them: `3 x 4`, `3 * 4` or `3 × 4`, with or without `$`."""
    question, steps = rng.choice(PROBLEMS)(rng)
    if rng.random() < 0.6:
        question = rng.choice(OPENERS).format(first=rng.choice(FIRST), first2=rng.choice(FIRST), place=rng.choice(PLACES),
                                              city=rng.choice(CITIES)) + " " + question
    times, dollar = rng.choice(["x", "*", "×", "*", "*"]), rng.random() < 0.5
    steps = [s.replace(" x ", f" {times} ") for s in steps]
    if not dollar:
        steps = [s.replace("$", "") for s in steps]
    if rng.random() < 0.5:  # talk the reader through it
        steps = [_lead(lead, s) for lead, s in zip([rng.choice(FIRST_STEP)] + [rng.choice(NEXT_STEP) for _ in steps[1:]], steps)]
    if rng.random() < 0.5:
        steps.insert(rng.randint(0, len(steps) - 1), rng.choice(WHY))
    if rng.random() < 0.4:
        steps.append(rng.choice(CLOSING))
    return question, steps
