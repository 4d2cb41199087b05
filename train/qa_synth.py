"""Generated math word problems with short and long chain-of-thought solutions, and instructions.

The offline stand-in for OpenMathInstruct-2 / MegaMath-QA (short CoT), OpenR1-Math (long CoT)
and an instruction set: small arithmetic and algebra problems whose answers are exact integers,
so a rule-based reward can check them (GRPO reuses `make_problem` / `generate_qa` for its toy
task). Every solution ends with `\\boxed{answer}`. Deterministic for a seed.

    generate_qa(n, seed, style)  -> list[QAExample]   style: short | long | instruct
    make_problem(rng)            -> Problem           one word problem (question, answer, steps)
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

NAMES = ["Ava", "Ben", "Chloe", "Dev", "Emma", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kira", "Liam", "Mei", "Noah", "Omar", "Priya"]
ITEMS = [("notebook", "notebooks"), ("pencil", "pencils"), ("apple", "apples"), ("ticket", "tickets"), ("book", "books"), ("mug", "mugs")]


@dataclass
class Problem:
    """A word problem: the question, its integer answer, the reasoning steps and a check."""

    question: str
    answer: int
    steps: list[str]  # one short sentence per reasoning step, in order
    check: str  # how the answer is verified (substituted back, recomputed another way)
    family: str


@dataclass
class QAExample:
    id: str
    question: str
    answer: str  # the full solution text (short/long CoT) or the instruction's response
    final: str  # the final answer alone, as in \boxed{}
    style: str
    family: str
    messages: list[dict] = field(default_factory=list)

    def record(self) -> dict:
        return {"id": self.id, "question": self.question, "answer": self.answer, "final": self.final,
                "style": self.style, "family": self.family, "messages": self.messages}


def _shopping(rng: random.Random) -> Problem:
    name = rng.choice(NAMES)
    one, many = rng.choice(ITEMS)
    count, price = rng.randint(2, 9), rng.randint(2, 15)
    cost = count * price
    bill = next(b for b in (20, 50, 100, 200) if b > cost)
    change = bill - cost
    return Problem(
        f"{name} buys {count} {many} at ${price} each and pays with a ${bill} bill. How many dollars of change does {name} get?",
        change,
        [f"The {many} cost {count} × {price} = {cost} dollars.", f"The change is {bill} − {cost} = {change} dollars."],
        f"{cost} + {change} = {bill}, which is the bill, so the change is right.",
        "shopping",
    )


def _linear(rng: random.Random) -> Problem:
    x, a, b = rng.randint(-9, 12), rng.randint(2, 9), rng.randint(-20, 20)
    c = a * x + b
    sign, mag = ("+", b) if b >= 0 else ("−", -b)
    return Problem(
        f"Solve for x: {a}x {sign} {mag} = {c}.",
        x,
        [f"Move the constant: {a}x = {c} {'−' if b >= 0 else '+'} {mag} = {c - b}.", f"Divide by {a}: x = {c - b} / {a} = {x}."],
        f"Substituting, {a} × {x} {sign} {mag} = {a * x} {sign} {mag} = {c}, as required.",
        "linear_equation",
    )


def _percent(rng: random.Random) -> Problem:
    p = rng.choice([5, 10, 15, 20, 25, 30, 40, 50, 60, 75, 80])
    base = rng.randint(2, 40) * (100 // math.gcd(p, 100))
    value = base * p // 100
    return Problem(
        f"What is {p}% of {base}?",
        value,
        [f"{p}% means {p}/100.", f"{base} × {p} / 100 = {base * p} / 100 = {value}."],
        f"{value} / {base} = {p / 100:g}, which is {p}%.",
        "percent",
    )


def _distance(rng: random.Random) -> Problem:
    speed, hours = rng.randint(4, 12) * 10, rng.randint(2, 7)
    vehicle = rng.choice(["train", "bus", "car", "ferry"])
    dist = speed * hours
    return Problem(
        f"A {vehicle} travels at a constant {speed} km/h for {hours} hours. How many kilometres does it cover?",
        dist,
        ["Distance equals speed times time.", f"{speed} × {hours} = {dist} km."],
        f"{dist} / {hours} = {speed} km/h, the given speed.",
        "distance",
    )


def _rectangle(rng: random.Random) -> Problem:
    length, width = rng.randint(3, 25), rng.randint(2, 15)
    if rng.random() < 0.5:
        area = length * width
        return Problem(
            f"A rectangle is {length} cm long and {width} cm wide. What is its area in square centimetres?",
            area,
            ["The area of a rectangle is length times width.", f"{length} × {width} = {area}."],
            f"{area} / {width} = {length}, the length, so the area is consistent.",
            "rectangle_area",
        )
    per = 2 * (length + width)
    return Problem(
        f"A rectangle is {length} cm long and {width} cm wide. What is its perimeter in centimetres?",
        per,
        ["The perimeter is twice the sum of length and width.", f"{length} + {width} = {length + width}.", f"2 × {length + width} = {per}."],
        f"Adding the four sides, {length} + {width} + {length} + {width} = {per}.",
        "rectangle_perimeter",
    )


def _ages(rng: random.Random) -> Problem:
    a, b = rng.sample(NAMES, 2)
    young, gap = rng.randint(3, 40), rng.randint(1, 15)
    old, total = young + gap, 2 * young + gap
    return Problem(
        f"{a} is {gap} years older than {b}. Their ages add up to {total}. How old is {a}?",
        old,
        [f"Let {b}'s age be y, so {a} is y + {gap}.", f"y + (y + {gap}) = {total}, so 2y = {total - gap} and y = {young}.", f"{a} is {young} + {gap} = {old}."],
        f"{old} + {young} = {total} and {old} − {young} = {gap}.",
        "ages",
    )


def _series(rng: random.Random) -> Problem:
    n = rng.randint(5, 60)
    total = n * (n + 1) // 2
    return Problem(
        f"What is the sum of the whole numbers from 1 to {n}?",
        total,
        ["Pair the first and last terms: each pair sums to the same value.", f"The sum is n(n + 1)/2 = {n} × {n + 1} / 2 = {total}."],
        f"The average term is {(n + 1) / 2:g} and there are {n} terms: {n} × {(n + 1) / 2:g} = {total}.",
        "series",
    )


def _fraction_of_group(rng: random.Random) -> Problem:
    q = rng.choice([2, 3, 4, 5, 6, 8, 10])
    p = rng.randint(1, q - 1)
    n = q * rng.randint(2, 12)
    group = rng.choice(["students", "players", "guests", "members"])
    activity = rng.choice(["play chess", "ride bikes", "sing in a choir", "speak French"])
    yes = n * p // q
    no = n - yes
    return Problem(
        f"There are {n} {group}. {p}/{q} of them {activity}. How many do not {activity}?",
        no,
        [f"{p}/{q} of {n} is {n} × {p} / {q} = {yes}.", f"The rest: {n} − {yes} = {no}."],
        f"{yes} + {no} = {n}, all the {group}.",
        "fraction",
    )


def _lcm(rng: random.Random) -> Problem:
    a, b = rng.randint(2, 18), rng.randint(2, 18)
    g = math.gcd(a, b)
    lcm = a * b // g
    return Problem(
        f"What is the least common multiple of {a} and {b}?",
        lcm,
        [f"gcd({a}, {b}) = {g}.", f"lcm = {a} × {b} / {g} = {a * b} / {g} = {lcm}."],
        f"{lcm} / {a} = {lcm // a} and {lcm} / {b} = {lcm // b} are whole numbers with no common factor left.",
        "lcm",
    )


PROBLEM_FAMILIES = [_shopping, _linear, _percent, _distance, _rectangle, _ages, _series, _fraction_of_group, _lcm]


def make_problem(rng: random.Random) -> Problem:
    """One word problem drawn from `rng` (a `random.Random`)."""
    return rng.choice(PROBLEM_FAMILIES)(rng)


def short_cot(p: Problem) -> str:
    return " ".join(p.steps) + f" The answer is \\boxed{{{p.answer}}}."


def long_cot(p: Problem) -> str:
    lines = ["Let me work through this step by step, writing down what is known first.", ""]
    lines.append(f"The question: {p.question}")
    lines.append("")
    for i, step in enumerate(p.steps, 1):
        lines.append(f"Step {i}: {step}")
    lines += ["", f"Before answering, let me verify the result. {p.check}",
              f"The check passes, so I am confident the answer is {p.answer}.", "",
              f"Therefore, the final answer is \\boxed{{{p.answer}}}."]
    return "\n".join(lines)


# Instruction-following tasks (the decay branches' "instruction data"): small, exactly checkable.
def _sort_numbers(rng: random.Random) -> tuple[str, str, str]:
    nums = rng.sample(range(-50, 100), rng.randint(4, 8))
    out = ", ".join(map(str, sorted(nums)))
    return f"Sort these numbers from smallest to largest: {', '.join(map(str, nums))}.", f"Sorted: {out}.", out


def _binary(rng: random.Random) -> tuple[str, str, str]:
    n = rng.randint(2, 255)
    b = format(n, "b")
    return f"Write {n} in binary.", f"{n} in binary is {b}.", b


def _primes(rng: random.Random) -> tuple[str, str, str]:
    lo = rng.randint(2, 60)
    hi = lo + rng.randint(10, 30)
    ps = [k for k in range(lo, hi + 1) if k > 1 and all(k % d for d in range(2, int(k ** 0.5) + 1))]
    out = ", ".join(map(str, ps)) or "none"
    return f"List the prime numbers between {lo} and {hi}, inclusive.", f"The primes are: {out}.", out


def _reduce_fraction(rng: random.Random) -> tuple[str, str, str]:
    g = rng.randint(2, 9)
    p, q = rng.randint(1, 12), rng.randint(2, 13)
    d = math.gcd(p, q)
    p, q = p // d, q // d
    out = f"{p}/{q}"
    return f"Reduce the fraction {p * g}/{q * g} to lowest terms.", f"Dividing top and bottom by their greatest common divisor {g}, we get {out}.", out


def _multiples(rng: random.Random) -> tuple[str, str, str]:
    m, k = rng.randint(2, 13), rng.randint(3, 8)
    out = ", ".join(str(m * i) for i in range(1, k + 1))
    return f"Give the first {k} positive multiples of {m}.", f"The first {k} multiples of {m} are {out}.", out


INSTRUCTION_FAMILIES = [_sort_numbers, _binary, _primes, _reduce_fraction, _multiples]


def toy_addition(rng: random.Random) -> Problem:
    """The GRPO toy task (issue 9): single-digit addition as a one-line word problem, small
    enough for a tiny model to learn on a CPU."""
    name = rng.choice(NAMES)
    _, many = rng.choice(ITEMS)
    a, b = rng.randint(0, 9), rng.randint(0, 9)
    return Problem(f"{name} has {a} {many} and gets {b} more. How many {many} does {name} have?",
                   a + b, [f"{a} + {b} = {a + b}."], f"{a + b} − {b} = {a}.", "toy_addition")


def generate_qa(n: int, seed: int = 0, style: str = "short") -> list[QAExample]:
    """`n` examples in `style` (short | long | instruct | toy), the same for the same seed."""
    if style not in ("short", "long", "instruct", "toy"):
        raise ValueError(f"style {style!r}: expected short, long, instruct or toy")
    rng = random.Random(f"octo-qa:{style}:{seed}")
    out = []
    for i in range(n):
        if style == "instruct":
            fam = rng.choice(INSTRUCTION_FAMILIES)
            question, answer, final = fam(rng)
            family = fam.__name__.lstrip("_")
        else:
            p = toy_addition(rng) if style == "toy" else make_problem(rng)
            question, final, family = p.question, str(p.answer), p.family
            answer = long_cot(p) if style == "long" else short_cot(p)
        messages = [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]
        out.append(QAExample(f"qa-{style}-{seed}-{i:07d}", question, answer, final, style, family, messages))
    return out
