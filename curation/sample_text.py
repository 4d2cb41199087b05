"""Prose of the sample's non-math pages: one `Genre` per kind of page the web is full of.

Each genre has title and sentence templates (slots filled from curation/sample_words.py) and an
optional builder of the structured parts real pages have — tables of names and years, code and
shell blocks, ingredient lists, price and spec tables, fixtures with scores. They are the hard
negatives of a math classifier: numbers, dates, percentages, `=` and `/` in code, all without
mathematics. `genre_body(rng, genre)` returns (title, HTML body).
"""
from __future__ import annotations

import html
import random
from dataclasses import dataclass
from typing import Callable

from curation.sample_code import shell, snippet
from curation.sample_words import FIELDS, INGREDIENTS, VENUES, fill, pick


@dataclass
class Genre:
    titles: list[str]
    sentences: list[str]
    extra: Callable[[random.Random], str] | None = None
    headings: tuple[str, ...] = ()
    length: tuple[int, int] = (5, 12)  # sentences per page


def _table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _ul(items: list[str]) -> str:
    """A list as lines of one paragraph (main-content extraction drops <ul> blocks, as on real pages)."""
    return "<p>" + "<br>".join(html.escape(i) for i in items) + "</p>"


def _code(text: str) -> str:
    return f"<pre><code>{html.escape(text)}</code></pre>"


# --- news ----------------------------------------------------------------------------------
POLITICS = Genre(
    ["{city} council approves new housing plan", "Election in {country}: what the results mean",
     "Parliament debates transport bill", "Minister resigns after row over hospital funding",
     "Voters in {city} head to the polls on {weekday}"],
    ["The council voted {n} to {n} on {weekday} night to approve the plan after a debate that lasted almost four hours.",
     "Opposition leaders said the bill was rushed and promised to challenge it when parliament returns in {month}.",
     "Turnout reached {pct} percent, the highest in two decades, according to the electoral commission.",
     "The prime minister told reporters outside the residence that the government would not change course.",
     "{name}, who chairs the housing committee, said the vote was a turning point for renters in the city.",
     "Campaigners gathered outside the town hall with banners calling for cheaper buses and safer cycle lanes.",
     "The coalition agreement, published on {date}, runs to more than {big} words and covers energy, schools and defence.",
     "Critics argue the reform leaves rural districts behind, while supporters point to faster court hearings.",
     "A spokesperson for the ministry declined to comment on the leaked memo, saying an inquiry was under way.",
     "Polls suggest the race remains tight, with neither party holding a clear lead among younger voters.",
     "The senator, first elected in {year}, said she would not seek another term and thanked her staff.",
     "Local officials will hold a series of public meetings before the final budget is signed in {month}.",
     "The treaty must still be ratified by the national assemblies of both countries before it takes effect.",
     "Protesters marched peacefully through the old town, and police reported no arrests.",
     "The new mayor promised to publish every contract above {money} online within a week of signing.",
     "Independent candidates won {n} seats, enough to decide who forms the next administration.",
     "Diplomats from {country} and {country} met behind closed doors to discuss fishing rights and border checks."])
SPORTS = Genre(
    ["{team} beat {team} {score} in a tense derby", "Match report: late drama as {team} hold on",
     "{name} breaks the club record", "Season preview: can the {team} defend the title?",
     "Marathon results from {city}"],
    ["The hosts took the lead after {n} minutes when {name} curled a free kick into the top corner.",
     "A second-half header from the captain sealed a {score} win and lifted the side to third place.",
     "The visitors dominated possession but managed only two shots on target all afternoon.",
     "{name} finished the race in two hours and {n} minutes, beating the course record set in {year}.",
     "The coach praised the defence, saying the players had followed the game plan to the letter.",
     "With {n} games left, the gap at the top of the table is just four points.",
     "Ticket sales for the final have already passed {big}, and the stadium is expected to sell out.",
     "The striker limped off before half time and will have a scan on {weekday} to assess the injury.",
     "Rain delayed the start of play by an hour, and the umpires took the players off twice more.",
     "The young goalkeeper made three superb saves in the closing stages to keep the clean sheet.",
     "Fans travelled from {city} in their thousands and sang for the full ninety minutes.",
     "The team scored {n} points in the final quarter to complete a remarkable comeback.",
     "After the match the manager admitted the referee's decision had changed the course of the game.",
     "The club confirmed that the midfielder has signed a new contract running until {recent}.",
     "In the women's singles, the top seed dropped only three games on her way to the semi-final.",
     "The cyclists face a brutal mountain stage on {weekday}, with three climbs before the summit finish."],
    extra=lambda r: _table(["Pos", "Team", "Played", "Won", "Drawn", "Lost", "Points"],
                           [[str(k + 1), fill(r, "{team}"), str(p := r.randint(20, 30)), str(w := r.randint(8, 18)),
                             str(d := r.randint(2, 7)), str(p - w - d), str(3 * w + d)] for k in range(6)]))
BUSINESS = Genre(
    ["{company} shares jump after strong quarter", "Inflation eases to {pct} percent",
     "{company} to cut {big} jobs", "Markets close higher as oil prices fall", "Start-up {company} raises {money}"],
    ["Revenue rose {pct} percent to {money} in the three months to {month}, ahead of analyst forecasts.",
     "The central bank held its main interest rate at {pct} percent and signalled that cuts could come later in the year.",
     "Shares in {company} closed up {pct} percent on the news, while the wider index gained half a point.",
     "The company said it would close {n} stores and move more of its business online.",
     "Consumer spending slowed in {month}, with households cutting back on clothing and eating out.",
     "{name}, the chief executive, told investors that margins would improve once the new factory opens.",
     "The merger values the combined group at {money} and still needs approval from competition regulators.",
     "Unemployment fell to {pct} percent, the lowest level since {year}, official figures showed.",
     "Analysts at {company} expect profits to fall next year as energy costs stay high.",
     "The airline carried {big} passengers last month, almost back to the level seen before the pandemic.",
     "Retail sales figures published on {weekday} were weaker than expected across most regions.",
     "The deal includes a break fee of {money} if either side walks away before the end of {month}.",
     "Farmers warn that the dry summer will push up the price of bread, milk and vegetables in the autumn.",
     "The start-up, founded in {recent} by two former engineers, now employs more than {n}0 people in {city}.",
     "Bond yields climbed after the report, and the currency weakened against the dollar.",
     "Union representatives said they would ballot members on strike action if the pay offer is not improved."],
    extra=lambda r: _table(["Quarter", "Revenue", "Operating profit", "Change"],
                           [[f"Q{q} {r.randint(2021, 2024)}", fill(r, "{money}"), fill(r, "{money}"),
                             f"{r.choice(['+', '-'])}{r.randint(1, 25)}%"] for q in range(1, 5)]))
LOCAL = Genre(
    ["Local news: {city} library reopens", "Local news: road closures this weekend", "Local news: festival returns to the harbour",
     "Local news: new bakery opens on Market Street", "Local news: community garden wins regional award"],
    ["The city council met on {weekday} evening to discuss the new budget for public parks and libraries.",
     "Residents raised concerns about traffic on the main road near the school during the morning hours.",
     "The mayor said the plan would be reviewed again next month after a public consultation.",
     "Local businesses welcomed the decision, saying it would bring more visitors to the town centre.",
     "The weather service expects heavy rain over the weekend, with strong winds along the coast.",
     "The museum will open a new exhibition about the history of the harbour and its fishing families.",
     "Police asked drivers to avoid the bridge while repairs are carried out during the night.",
     "The festival returns this summer with music, food stalls and activities for children of all ages.",
     "A spokesperson for the hospital said that waiting times had improved over the last year.",
     "Volunteers planted more than {big} trees along the river path over two weekends in {month}.",
     "The bakery on Market Street, run by {name} and her brother, sold out of bread by nine in the morning.",
     "Bus route {n} will be diverted from {date} while the water main under the square is replaced.",
     "The primary school held a fun run that raised {price} for new playground equipment.",
     "Neighbours have started a petition to save the old cinema, which closed its doors in {year}.",
     "The library reopens on {weekday} after a renovation that added a cafe, a children's corner and study rooms.",
     "Firefighters were called to a kitchen fire on Elm Road just after {time}; nobody was hurt."])

# --- people, academia ---------------------------------------------------------------------
def _publications(r: random.Random) -> str:
    titles = ["Designing for {field}: lessons from a field study", "A large-scale study of online communities",
              "Tools for journalists who work with public records", "Measuring bias in news recommendation",
              "Participatory design with community health workers", "Rethinking peer review in {field}",
              "Low-latency storage for edge devices", "Understanding how people read long documents",
              "Crowdsourcing annotations for rare languages", "Archival silences in colonial records",
              "Energy use of household appliances in {city}", "Coral reef recovery after bleaching events"]
    items = [f"{fill(r, '{name}')}, {fill(r, '{name}')}. {fill(r, r.choice(titles))}. In {r.choice(VENUES)} {r.randint(2014, 2025)}."
             for _ in range(r.randint(3, 6))]
    return "<h2>Selected publications</h2>" + _ul(items)


def _lineage(r: random.Random) -> str:
    rows, year = [], r.randint(2005, 2022)
    for _ in range(r.randint(5, 9)):
        rows.append([fill(r, "{name}"), r.choice(FIELDS).title(), fill(r, "{univ}"), str(year)])
        year -= r.randint(15, 35)
    return "<h2>Academic family tree</h2>" + _table(["Name", "Field", "University", "Year"], rows)


HOMEPAGE = Genre(
    ["{name}", "{name} - Homepage", "About me", "{name} | Research", "Welcome"],
    ["I am an assistant professor in the School of Computing at the {univ}, where I lead a small research group.",
     "My research sits at the intersection of {field} and {field}, with a focus on tools that people actually use.",
     "Before joining the faculty I was a postdoctoral fellow at the {univ}, and I received my PhD from the {univ} in {recent}.",
     "I am a PhD student advised by {name}; my work is supported by a graduate fellowship.",
     "Our lab studies how communities share knowledge online and how platforms shape that sharing.",
     "I am recruiting students for the coming year; please read the FAQ before you send an email.",
     "I teach the undergraduate course on {field} in the autumn and a graduate seminar in the spring.",
     "Office hours are on {weekday} from {time} in room {big} of the engineering building.",
     "Outside of work I enjoy climbing, baking sourdough and reading old science fiction.",
     "I grew up in {city} and studied history before switching to {field}.",
     "Our paper on {field} received a best paper award at {venue} {recent}.",
     "I serve on the program committee of {venue} and as an associate editor of a journal in {field}.",
     "News: I gave a keynote in {city} in {month}, and the slides are on the talks page.",
     "Prospective students: we value curiosity, careful writing and kindness above any particular background.",
     "My email is my first name at the department domain; I try to reply within a week.",
     "We build open-source software, collect public datasets and work closely with partners in industry and government.",
     "Current students: {name} (co-advised), {name}, {name}. Alumni now work at {company} and the {univ}.",
     "My CV, a list of publications and recordings of recent talks are linked in the menu above."],
    extra=lambda r: r.choice([_publications, _lineage])(r),
    headings=("About", "Research", "Teaching", "News", "Students", "Contact"))


def _cv(r: random.Random) -> str:
    edu = [[f"{r.choice(['PhD', 'MSc', 'BA', 'BSc', 'MA'])} in {r.choice(FIELDS)}", fill(r, "{univ}"), fill(r, "{recent}")]
           for _ in range(3)]
    jobs = [[r.choice(["Research intern", "Software engineer", "Teaching assistant", "Visiting researcher",
                       "Data analyst", "Product designer", "Lecturer"]), fill(r, "{company}"),
             f"{(y := r.randint(2010, 2021))}-{y + r.randint(1, 3)}"] for _ in range(3)]
    return ("<h2>Education</h2>" + _table(["Degree", "Institution", "Year"], edu) + "<h2>Experience</h2>"
            + _table(["Role", "Organisation", "Years"], jobs))


CV = Genre(
    ["Curriculum vitae - {name}", "{name}: CV", "Resume"],
    ["Awards: graduate research fellowship ({recent}), outstanding teaching assistant award ({recent}).",
     "Skills: {lang}, {lang}, SQL, qualitative interviews, survey design, public speaking.",
     "Languages: English (native), Spanish (fluent), Japanese (conversational).",
     "Service: reviewer for {venue}; organiser of the departmental reading group; mentor for first-year students.",
     "Invited talks at the {univ}, {company} and a workshop on {field} in {city}.",
     "References are available on request from my advisor and two former managers.",
     "Volunteer: weekend coding club for teenagers at the public library in {city}, {recent} to present.",
     "Grants: seed funding of {money} from the faculty innovation fund as co-investigator.",
     "Teaching: lecturer for the introductory course on {field}, {recent}; guest lectures in {field}.",
     "Press: interviewed about my research on {field} by the local radio station in {city}.",
     "Professional memberships: the national association for {field} and the society of young researchers.",
     "Hobbies: long-distance cycling, choir singing and restoring old furniture."],
    extra=_cv)


def _roster(r: random.Random) -> str:
    roles = ["Director", "Research scientist", "Engineer", "Designer", "PhD student", "Postdoc", "Program manager"]
    return _table(["Name", "Role", "Joined", "Location"],
                  [[fill(r, "{name}"), r.choice(roles), fill(r, "{recent}"), fill(r, "{city}")] for _ in range(r.randint(5, 9))])


TEAM = Genre(
    ["Meet our team", "People", "Our staff", "Who we are"],
    ["We are an interdisciplinary team of researchers, engineers and designers working on {field}.",
     "Our members come from {n} countries and from backgrounds in journalism, design, medicine and software.",
     "Interns join us every summer; applications open in {month}.",
     "The team is part of the {company} foundation and works in the open whenever it can.",
     "{name} leads the group and previously worked on search products at {company}.",
     "Alumni of the group have gone on to start companies, teach and lead research labs.",
     "We meet every {weekday} for a reading group and lunch, and visitors are always welcome.",
     "Our work is funded by public grants, a charitable foundation and partnerships with industry.",
     "We believe good research is shared openly, so our papers, code and data are free to use.",
     "If you would like to collaborate, write to any of us; we are happy to talk."],
    extra=_roster)

# --- software -----------------------------------------------------------------------------
# Said on pages of every kind, math included: the glue of conversational web prose.
CHATTER = [
    "Here is how it works.", "So that is the idea in a nutshell.", "Let me explain what I mean.", "That is all for today.",
    "I hope this helps someone.", "It took me a while to figure this out.", "This is the part that most people get wrong.",
    "Now we can move on to the next step.", "If anything is unclear, just ask in the comments.", "As you can see, it is not that hard.",
    "Feel free to share this with anyone who might find it useful.", "Let us look at an example.", "The short answer is yes.",
    "We will come back to this later.", "In other words, the order matters.", "Read that again, because it is important.",
    "First things first.", "Why does this matter?", "So what does this mean in practice?", "I have seen this question many times.",
    "There are two ways to do this.", "Here is a quick summary.", "Note that this only works in some cases.",
    "This is easier than it looks.", "Keep this in mind for later.", "You might be wondering why.", "Which one should you choose?",
    "The answer depends on what you need.", "To sum up, start small and check each step.", "Thanks to everyone who wrote in.",
    "Update: a reader pointed out a mistake, which is now fixed.", "Bookmark this page so you can find it again.",
    "I will keep this short.", "The rest is just practice.", "Does that make sense?", "Good question!", "That is exactly it.",
    "Most of the time the simple way is the right way.", "Take your time with this part.", "You will get the hang of it.",
]
TUTORIAL = Genre(
    ["How to package a {lang} project", "Getting started with Docker", "A gentle introduction to git branches",
     "Deploying a web app on a small server", "Writing your first REST API in {lang}", "Testing tips for {lang} developers",
     "JavaScript tips", "Setting up a development environment"],
    ["In this tutorial we build a small web service step by step and deploy it to a cheap virtual server.",
     "First, create a virtual environment so the dependencies of this project do not clash with other projects.",
     "Run the command below from the root of the repository; it installs the package in editable mode.",
     "If you see a permission error, you are probably installing into the system interpreter by mistake.",
     "The configuration file lives next to the code and is read once when the application starts.",
     "Commit early and often, and write commit messages that explain why a change was made.",
     "Open the browser at localhost on port {port} and you should see the welcome page.",
     "Version {version} changed the default behaviour, so pin the version in your requirements file.",
     "Environment variables keep secrets such as API keys out of the source code.",
     "Each test should check one behaviour and have a name that says what it checks.",
     "The build step minifies the scripts and copies the static files into the dist folder.",
     "Logging at the info level is usually enough in production; switch to debug while you investigate a bug.",
     "Do not forget to add the virtual environment folder to your gitignore file.",
     "A pull request is easier to review when it does one thing and includes a short description.",
     "The container exposes port {port}, which we map to the same port on the host.",
     "This guide assumes you are comfortable with the terminal and have {lang} installed.",
     "Use a linter and a formatter so style discussions never come up in code review.",
     "When the pipeline fails, read the first error in the log, not the last one.",
     "The function returns None when the key is missing, so check the result before you use it.",
     "Caching the response for a few minutes cut the page load time in half."],
    extra=lambda r: "".join(_code(snippet(r)) for _ in range(r.randint(1, 3))), length=(8, 16))
README = Genre(
    ["{company} client library", "README", "Project overview", "Installation and usage"],
    ["This library is a thin client for the {company} web API, with retries and pagination built in.",
     "Requirements: {lang} {version} or newer, and an API key from your account settings page.",
     "Install the latest release from the package index, or clone the repository to get the development version.",
     "Contributions are welcome: open an issue first for larger changes so we can discuss the design.",
     "The project is released under the MIT license; see the LICENSE file for details.",
     "Breaking changes are listed in the changelog, and each release is tagged in the repository.",
     "Set the log level with an environment variable when you need to see every request and response.",
     "The command line tool reads a YAML file and prints a summary table of what it would do.",
     "Continuous integration runs the test suite on Linux, macOS and Windows for every pull request.",
     "Report security issues privately by email instead of opening a public issue.",
     "Known limitations: uploads larger than {n} gigabytes are not supported yet, and the async client is experimental."],
    extra=lambda r: _code(shell(r)) + _code(snippet(r))
    + _table(["Option", "Default", "Description"], [["timeout", f"{r.randint(5, 60)}", "seconds before a request is abandoned"],
                                                   ["retries", f"{r.randint(1, 5)}", "attempts for failed requests"],
                                                   ["base_url", "https://api.example.com", "server to talk to"]]))


def _api(r: random.Random) -> str:
    fn = r.choice(["read_csv", "connect", "upload_file", "send_message", "resize_image", "parse_date", "get_user"])
    params = r.sample([("path", "str", "location of the file to read"), ("timeout", "float", "seconds to wait before giving up"),
                       ("encoding", "str", "text encoding, utf-8 by default"), ("retries", "int", "how many times to retry"),
                       ("verbose", "bool", "print progress messages"), ("headers", "dict", "extra HTTP headers"),
                       ("width", "int", "target width in pixels"), ("user_id", "str", "identifier of the account")], 4)
    sig = f"{fn}({', '.join(f'{p}: {t}' for p, t, _ in params)}) -> Result"
    return _code(sig) + "<h3>Parameters</h3>" + _ul([f"{p} ({t}): {d}" for p, t, d in params])


API = Genre(
    ["API reference", "Module reference", "Client methods", "Function reference"],
    ["Returns a result object with the response body, the status code and the headers.",
     "Raises a timeout error when the server does not answer within the given number of seconds.",
     "This method is thread safe and may be called from several workers at once.",
     "Deprecated since version {version}; use the newer method with the same arguments instead.",
     "The call is idempotent, so retrying after a network failure is safe.",
     "Large files are streamed in chunks and never held in memory all at once.",
     "Example: pass a dictionary of headers to add an authorization token to every request.",
     "See also the section on authentication and the list of error codes at the end of this page.",
     "All timestamps are returned in UTC using the ISO format.", "The client keeps a pool of connections and reuses them between calls.",
     "Pagination is handled for you: iterate over the result to fetch the next page when it is needed.",
     "Errors from the server are raised as exceptions that carry the status code and the message.",
     "New in version {version}: the method accepts a callback that is called after each chunk."],
    extra=_api)

# --- everyday life --------------------------------------------------------------------------
def _ingredients(r: random.Random) -> str:
    qty = ["1 cup", "2 cups", "1/2 cup", "3/4 cup", "1 tablespoon", "2 teaspoons", "1/4 teaspoon", "200 g", "400 g",
           "a pinch of", "3 cloves of", "1 large", "2 medium", "500 ml", "1 can (400 g)"]
    return "<h2>Ingredients</h2>" + _ul([f"{r.choice(qty)} {i}" for i in r.sample(INGREDIENTS, r.randint(5, 9))])


RECIPE = Genre(
    ["Easy weeknight {ingredient} pasta", "Grandma's apple cake", "One-pot lentil soup", "Lemon garlic chicken",
     "The best banana bread", "Spiced chickpea curry", "Crispy roast potatoes"],
    ["Preheat the oven to 180 degrees and line a baking tray with parchment paper.",
     "Heat the olive oil in a large pan over medium heat and soften the onion for about {n} minutes.",
     "Add the garlic and spices and stir for one minute until fragrant, then pour in the tomatoes.",
     "Simmer gently for 20 to 25 minutes, stirring now and then so nothing sticks to the bottom.",
     "Whisk the eggs and sugar until pale and fluffy, then fold in the flour with a spatula.",
     "Season to taste with salt and pepper and finish with a squeeze of lemon juice.",
     "This recipe serves four and keeps in the fridge for up to three days.",
     "I first made this soup on a cold evening in {city}, and it has been a family favourite ever since.",
     "If you do not have fresh herbs, use a teaspoon of dried ones and add them earlier.",
     "Bake for 45 minutes, or until a skewer inserted in the middle comes out clean.",
     "Let the cake cool in the tin for ten minutes before turning it out onto a wire rack.",
     "For a vegan version, swap the butter for coconut oil and use a flax egg.",
     "Serve with crusty bread, a green salad or a bowl of steamed rice.",
     "Prep time 15 minutes, cook time 40 minutes, total time under an hour.",
     "Readers often ask whether they can freeze it: yes, in portions, for up to two months.",
     "Toast the seeds in a dry pan until they pop, then grind them with a pinch of salt."],
    extra=_ingredients)


def _specs(r: random.Random) -> str:
    rows = [["Weight", f"{r.randint(1, 9)}.{r.randint(0, 9)} kg"], ["Dimensions", f"{r.randint(20, 60)} x {r.randint(10, 40)} x {r.randint(5, 30)} cm"],
            ["Material", r.choice(["recycled polyester", "aluminium", "oak", "stainless steel", "cotton canvas"])],
            ["Warranty", f"{r.randint(1, 5)} years"], ["Battery", f"{r.randint(4, 40)} hours"], ["Colour", r.choice(["black", "sage", "navy", "sand"])]]
    return (f"<div class='product'><p class='price'>{fill(r, '{price}')}</p><h2>Product details</h2>"
            + _table(["Spec", "Value"], r.sample(rows, 4)) + "</div>")


SHOP = Genre(
    ["{product} - free shipping", "Buy the new {product}", "{company} {product}", "Product {n}"],
    ["Free delivery on all orders over fifty dollars, and easy returns within thirty days of purchase.",
     "This cotton shirt is soft, breathable and perfect for warm summer days at the beach or in the city.",
     "Available in five colours and all sizes from small to extra large, while stocks last.",
     "Customers who bought this item also bought our classic leather belt and canvas shoes.",
     "Add to cart now and save twenty percent with the discount code shown at checkout.",
     "Our customer service team is happy to help you with any question about your order.",
     "Rated 4.{n} out of 5 by {big} customers. Most reviewers say it runs true to size.",
     "The {product} folds flat for storage and comes with a two-year warranty.",
     "Ships within {n} business days. Express delivery is available at checkout.",
     "Made from recycled materials in a factory powered by solar energy.",
     "Great value for the price. I use it every day and it still looks new after six months.",
     "In stock: {n} left. Order before {time} for same-day dispatch.",
     "Compare with similar items in our outdoor, kitchen and home office collections.",
     "Pay in four interest-free instalments of {price} with the partner of your choice."],
    extra=_specs)
TRAVEL = Genre(
    ["Three days in {city}", "A weekend guide to {city}", "Hiking the coast of {country}", "Where to eat in {city}",
     "Travelling {country} by train"],
    ["We arrived in {city} on a grey morning and walked straight from the station to the old market.",
     "The museum is free on the first {weekday} of every month; otherwise a ticket costs {price}.",
     "Trains leave every half hour, and the journey along the river takes just over two hours.",
     "Book the ferry in advance during the summer, because the morning crossings sell out quickly.",
     "Our favourite cafe serves strong coffee and warm pastries from {time} until early afternoon.",
     "The trail climbs steadily through pine forest before opening onto a ridge with views of the bay.",
     "Bring cash for the small family restaurants in the hills; many do not take cards.",
     "We stayed in a guesthouse run by an elderly couple who cooked breakfast with eggs from their own hens.",
     "The best time to visit is late spring, before the crowds and the heat of {month}.",
     "A three-day transport pass costs about {price} and covers buses, trams and the funicular.",
     "The cathedral was begun in {year} and took more than a century to finish.",
     "Sunset from the lighthouse was the highlight of the whole trip.",
     "Pack layers: mornings by the sea are cool even in summer.",
     "Locals recommended the grilled sardines, and they were right.",
     "The night market opens at {time} and stretches for six blocks along the canal."])
HEALTH = Genre(
    ["How much sleep do you really need?", "Seasonal allergies: what helps", "Walking for better health",
     "What to know about vitamin D", "Understanding high blood pressure"],
    ["Adults generally need between seven and nine hours of sleep a night, although needs vary from person to person.",
     "Regular walking lowers the risk of heart disease, improves mood and helps with sleep.",
     "Talk to your doctor before starting a new supplement, especially if you take other medication.",
     "The usual adult dose is {n}00 mg every four to six hours, and no more than four doses a day.",
     "Symptoms include a runny nose, itchy eyes and sneezing, and they are often worse in the morning.",
     "A balanced diet with plenty of vegetables, whole grains and beans supports a healthy gut.",
     "Blood pressure is recorded as two numbers, such as 120/80, measured in millimetres of mercury.",
     "Drink water regularly through the day, and more when it is hot or when you exercise.",
     "Screening is recommended every {n} years for adults over fifty.",
     "The clinic is open from {time} to six in the evening, and appointments can be booked online.",
     "Stretching before and after exercise reduces soreness and the risk of injury.",
     "Children should be vaccinated according to the national schedule; ask your nurse if a dose was missed.",
     "Stress affects the body as well as the mind, and short breaks during the working day help.",
     "This article is for general information and is not a substitute for professional medical advice."])
HISTORY = Genre(
    ["The history of {city}", "The rise and fall of a trading empire", "Life in a medieval village",
     "How the railway changed {country}", "Women who shaped the labour movement"],
    ["The town grew rich in the fourteenth century from the wool trade with merchants across the sea.",
     "In {year} a great fire destroyed most of the wooden houses near the harbour.",
     "The railway reached the valley in {year}, and within a decade the population had doubled.",
     "Historians still debate why the empire collapsed so quickly after the death of its founder.",
     "Letters from the period describe hard winters, failed harvests and rising bread prices.",
     "The monastery kept careful records of births, marriages and deaths for over three hundred years.",
     "{name} organised the first strike at the textile mill and was arrested twice for her activism.",
     "The treaty ended decades of war but left the border regions poor and divided.",
     "Archaeologists found coins, pottery and tools that point to a busy market on the site.",
     "After the war the city was rebuilt according to the original plans, street by street.",
     "The old customs house, built in {year}, is now a museum of maritime history.",
     "Many families emigrated to {country} in search of work, and their descendants still visit every summer.",
     "The king granted the town a charter allowing it to hold a weekly market and collect tolls."],
    extra=lambda r: _table(["Year", "Event"], sorted([[str(r.randint(1200, 1990)), fill(r, e)] for e in r.sample(
        ["Founding of the guild of {city}", "Great fire", "Arrival of the railway", "New bridge opened", "Cathedral completed",
         "Peace treaty signed in {city}", "University founded", "First newspaper printed", "Harbour extended",
         "Flood destroys the lower town", "Electric trams introduced"], 5)])))
SCIENCE = Genre(
    ["How coral reefs recover", "What happens inside a cell", "Why leaves change colour", "The chemistry of bread",
     "Volcanoes of the Pacific rim", "Migratory birds and climate", "A guide to the night sky"],
    ["Mitochondria produce most of the energy a cell needs, and they carry their own small set of genes.",
     "In autumn the green chlorophyll breaks down, revealing the yellow and orange pigments that were there all along.",
     "Yeast feeds on the sugars in flour and releases carbon dioxide, which makes the dough rise.",
     "Coral polyps live together with algae that supply them with food through photosynthesis.",
     "When the water gets too warm, the corals expel the algae and turn white, a process known as bleaching.",
     "The enzyme speeds up the reaction without being used up, and it works best at body temperature.",
     "Magma rises through cracks in the crust, and the pressure of dissolved gases drives the eruption.",
     "Arctic terns fly from pole to pole every year, the longest migration of any animal.",
     "Researchers tagged {n}0 birds with tiny transmitters to follow their route across the desert.",
     "Salt dissolves in water because the water molecules surround and separate its ions.",
     "The planet is visible to the naked eye just after sunset, low in the western sky.",
     "Bacteria in the soil fix nitrogen from the air and make it available to plants.",
     "The study, published in {venue}, followed the same forest plots for {n} years.",
     "Fossils of early whales show that their ancestors once walked on land.",
     "Heating the sugar slowly turns it into caramel as hundreds of new compounds form.",
     "Genes are switched on and off in response to signals from inside and outside the cell."])
BLOG = Genre(
    ["A year of learning to paint", "Why I stopped using social media", "Notes from a small garden",
     "My first marathon", "Moving to {city}", "On slow mornings", "What I read this month"],
    ["I have been meaning to write this post for months, but life kept getting in the way.",
     "When we moved to {city} in {recent}, I did not know a single person in the neighbourhood.",
     "The first week was hard, and I almost gave up after a rainy {weekday} when nothing went right.",
     "My partner says I have too many houseplants; I say there is always room for one more.",
     "Training for the race taught me more about patience than about running.",
     "I kept a notebook by the bed and wrote down one good thing about each day.",
     "If you have any tips, leave them in the comments below. I read every one of them.",
     "This month I finished three novels, a memoir and half of a very long biography.",
     "The tomatoes finally ripened in {month}, and we ate them warm from the vine with a little salt.",
     "I am not an expert, just someone who enjoys trying things and writing about them.",
     "Thanks for reading, and see you next week.",
     "Looking back, the best decision I made was to ask for help sooner.",
     "The class meets every {weekday} evening in the back room of the community centre.",
     "My grandmother used to say that a tidy kitchen is a happy kitchen, and she was right.",
     "I bought a secondhand bike for {price} and now ride it to work most days."],
    headings=("Comments", "Related posts", "About the author"))


def _thread(r: random.Random) -> str:
    replies = ["Same problem here. Did you ever find a fix?", "Check the fuse box first, it is usually something simple.",
               "Thanks, that worked!", "I had this with my old car too; the dealer replaced the sensor under warranty.",
               "Try resting the dough overnight in the fridge, it makes a huge difference.",
               "Which version are you on? The bug was fixed in {version}.", "Bumping this because I am curious too.",
               "Soak the beans the night before and change the water twice.", "Clear the cache and restart the app.",
               "Mine took about {n} weeks to arrive, so be patient.", "Great write-up, bookmarked for later."]
    return "".join(f"<div class='post'><p class='author'>{fill(r, '{first}')}{r.randint(1, 99)} wrote:</p><p>{fill(r, t)}</p></div>"
                   for t in r.sample(replies, r.randint(3, 5)))


FORUM = Genre(
    ["Strange noise from the engine when cold", "Sourdough not rising - help!", "Best tomato varieties for a small balcony?",
     "App crashes on startup after update", "Which hiking boots for wide feet?", "Help with my first fish tank"],
    ["Hi all, long time reader, first time poster.", "The car is a {recent} hatchback with about {big} km on the clock.",
     "I have tried everything the manual suggests and nothing seems to work.",
     "The starter is fed twice a day with equal weights of flour and water, but it barely bubbles.",
     "Any advice would be appreciated, thanks in advance!", "Edit: solved, see the reply from the moderator below.",
     "The error only happens on my laptop, not on my phone.", "I live in a flat in {city} with a south-facing balcony.",
     "Photos attached. Does anyone know what this part is called?", "Posted in the wrong section, sorry; could a moderator move it?"],
    extra=_thread)


def _events(r: random.Random) -> str:
    names = ["Jazz in the park", "Farmers market", "Open studio night", "Book launch", "Community cleanup", "Film screening",
             "Chess club", "Salsa class", "Charity 5k run", "Poetry reading", "Craft beer festival", "Children's theatre"]
    return _table(["Date", "Time", "Event", "Venue", "Tickets"],
                  [[fill(r, "{weekday}, {date}"), fill(r, "{time}"), e, fill(r, "{city} {n}") if r.random() < 0.3 else
                    r.choice(["Town hall", "Riverside park", "Central library", "The Old Mill", "Harbour stage"]),
                    r.choice(["Free", fill(r, "{price}")])] for e in r.sample(names, 6)])


EVENTS = Genre(
    ["What's on this week", "Events in {city}", "Summer programme", "Upcoming events"],
    ["Doors open half an hour before the start, and seating is first come, first served.",
     "Tickets are available online or at the box office, which is open from {time} on weekdays.",
     "All events are wheelchair accessible; please contact us if you need any other assistance.",
     "Children under twelve go free when accompanied by an adult.",
     "Our programme is supported by the arts council and by local businesses.",
     "Check this page before you travel: outdoor events may move indoors if the weather is bad.",
     "The summer programme includes concerts, guided walks, workshops for families and late openings at the gallery.",
     "Parking is limited, so please use public transport or cycle if you can.", "Food and drink will be on sale from local traders.",
     "Booking is essential for the workshops, which have room for about twenty people each.",
     "Volunteers are always welcome; sign up at the information desk.", "Photographs taken at our events may appear on our website."],
    extra=_events)
REVIEWS = Genre(
    ["Review: a quiet film that stays with you", "Book review: {name}'s new novel", "Album of the week",
     "Restaurant review: a hidden gem in {city}"],
    ["The director takes her time, and the long silent shots of the coast are the best part of the film.",
     "The novel follows three generations of a family of fishermen from {country} to {city}.",
     "The second half drags, and a subplot about a lost letter never quite pays off.",
     "The lead actor gives a warm, funny performance that lifts even the weaker scenes.",
     "The album was recorded in a barn over {n} days, and you can hear the rain on some of the tracks.",
     "Mains cost around {price}, and the wine list is short but well chosen.",
     "I would recommend it to anyone who enjoyed the author's earlier books, but newcomers should start there.",
     "Rating: four stars out of five.", "The dialogue is sharp and often very funny.",
     "The service was friendly, although we waited almost forty minutes for dessert.",
     "The cinematography is gorgeous, but the story loses its way in the last act.", "Some chapters are slow, but the ending makes up for it.",
     "The band sounds looser and happier than on their last record.", "The portions were generous and the bread was still warm.",
     "It is not perfect, but it is the most original thing I have seen this year.", "The translation reads smoothly and keeps the humour of the original."])
JOBS = Genre(
    ["Job: senior {lang} developer", "We are hiring: community manager", "Vacancy: nurse practitioner",
     "Warehouse associate - night shift"],
    ["We are looking for a curious, reliable person to join our small team in {city}.",
     "Salary: {money} per year, plus a pension plan and {n} weeks of paid holiday.",
     "You will work closely with designers and customers to ship features every week.",
     "Requirements: at least {n} years of experience, a driving licence and good written English.",
     "This is a full-time position with flexible hours and the option to work from home twice a week.",
     "To apply, send your CV and a short cover letter by {date}.",
     "We welcome applications from people of all backgrounds and do not require a degree.",
     "Interviews will take place in the second half of {month}, by video call or in person.",
     "You will report to the head of operations and manage a small team of {n} people.",
     "The role includes some travel to our offices in {city} and {city}.", "We offer training, a cycle-to-work scheme and free lunches on Fridays.",
     "Experience with customer support or retail is a plus but not required.", "Shifts run from {time} to early evening, four days a week."])
WEATHER = Genre(
    ["Weather forecast for {city}", "Weekend weather: storms ahead", "Heat warning issued"],
    ["Expect a cloudy start with showers clearing from the west by the afternoon.",
     "Highs of {n}0 degrees inland, cooler near the coast with a fresh breeze.",
     "A yellow warning for wind is in place from {time} on {weekday} until midnight.",
     "Overnight lows will fall close to freezing in rural areas, so watch out for ice on the roads.",
     "The long-range outlook suggests a settled spell of sunshine next week.",
     "Farmers will welcome the rain after the driest spring in a decade.", "Pollen levels are high, so allergy sufferers should take care.",
     "Fog may linger in the valleys until late morning, making driving conditions difficult.",
     "The heat will build through the week, peaking on {weekday} before thunderstorms break it.",
     "Snow is likely on the hills above {n}00 metres, with a dusting possible lower down.",
     "Sunrise is at {time} and sunset just after eight, so make the most of the long evenings.",
     "Gusts could reach gale force on exposed coasts, and ferry crossings may be cancelled.",
     "Our forecasters expect the unsettled spell to continue into the start of next month."],
    extra=lambda r: _table(["Day", "Conditions", "High", "Low", "Rain"],
                           [[d, r.choice(["Sunny", "Cloudy", "Showers", "Thunderstorms", "Fog then sun"]), f"{r.randint(8, 34)} C",
                             f"{r.randint(-3, 18)} C", f"{r.randint(0, 90)}%"] for d in ["Mon", "Tue", "Wed", "Thu", "Fri"]]))
LEGAL = Genre(
    ["Privacy policy", "Terms of service", "Cookie policy"],
    ["We collect only the personal data we need to provide the service, such as your name and email address.",
     "You may ask us at any time to see, correct or delete the information we hold about you.",
     "These terms were last updated on {date}, {recent}.",
     "By using the website you agree to these terms; if you do not agree, please do not use the site.",
     "We use cookies to remember your preferences and to understand how visitors use our pages.",
     "We never sell your data to third parties.", "Questions about this policy can be sent to our data protection officer.",
     "Accounts inactive for more than {n} years are deleted after a notice by email.",
     "We keep server logs for thirty days to protect the service against abuse.", "Payments are handled by a separate provider and we never see your card number.",
     "If the terms change in a way that matters to you, we will tell you by email before they take effect.",
     "These terms are governed by the law of the country where our company is registered.",
     "You can withdraw your consent at any time in the privacy settings of your account."])

def _so_thread(r: random.Random) -> str:
    answers = ["You are shadowing the variable inside the loop, so the outer value never changes.",
               "The function is async, so you need to await it; otherwise you get a pending promise back.",
               "Check the encoding: the file is probably latin-1, not utf-8.", "This is a known bug, fixed in version {version}.",
               "Use a context manager so the file is closed even when an exception is raised.",
               "Your regex is greedy; add a question mark after the star.", "Run it with the debugger and look at the value on line {n}."]
    out = []
    for k in range(r.randint(1, 3)):
        code = _code(snippet(r)) if r.random() < 0.5 else ""
        out.append(f"<div class='answer'><p>{html.escape(fill(r, r.choice(answers)))}</p>{code}"
                   f"<p class='votes'>{r.randint(0, 250)} votes</p></div>")
    return _code(snippet(r)) + "".join(out)


PROGRAMMING_QA = Genre(
    ["Why does my loop never stop?", "KeyError when reading the config", "How to merge two dictionaries in {lang}",
     "Docker container exits immediately", "Promise returns undefined", "Segmentation fault when reading a file"],
    ["I am trying to read a config file and I get the error below.", "Here is the smallest example that reproduces it.",
     "I am on {lang} {version} on Linux; it works on my colleague's machine.", "What am I doing wrong?",
     "I searched for an hour and found nothing that matches my case.", "Edit: added the full traceback.",
     "This question already has answers here, but none of them work for me.", "Thanks, the accepted answer fixed it.",
     "The same code worked yesterday, and nothing changed except an update of the operating system.",
     "I also tried restarting the server and clearing the cache, with no luck.", "Is there a cleaner way to do this?",
     "Comment: please post the full error message, not a screenshot.", "Comment: which version of the library are you using?"],
    extra=_so_thread)


def _changes(r: random.Random) -> str:
    notes = ["Fixed a crash when the config file is empty.", "Added a --dry-run flag to the sync command.",
             "Dropped support for {lang} {version}.", "Improved start-up time by about {pct} percent.",
             "The default timeout is now 30 seconds instead of 10.", "Documented the retry options.",
             "Updated dependencies to fix a security issue.", "Renamed the max_size option to max_bytes; the old name still works.",
             "Windows: paths with spaces are handled correctly.", "New: export reports as CSV or JSON.",
             "The progress bar no longer flickers in narrow terminals.", "Log messages now include the name of the worker.",
             "Fixed a memory leak in the file watcher.", "The installer checks for a compatible runtime before it starts.",
             "Error messages for invalid settings now name the setting.", "Removed the deprecated upload helper.",
             "The dark theme is now the default on new installations.", "Faster search in large projects.",
             "Fixed time zones in the calendar view.", "The API client retries on rate limits."]
    out = []
    for _ in range(r.randint(2, 4)):
        when = fill(r, "{date}, {recent}") if r.random() < 0.7 else f"{fill(r, '{recent}')}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}"
        out.append(f"<h3>Version {fill(r, '{version}')} ({when})</h3>"
                   + _ul([fill(r, t) for t in r.sample(notes, r.randint(2, 4))]))
    return "".join(out)


CHANGELOG = Genre(
    ["Changelog", "Release notes", "What's new in version {version}"],
    ["This release focuses on stability and speed.", "Thanks to the {n} contributors who made this release possible.",
     "Upgrading is recommended for all users.", "See the migration guide if you use the old plugin API.",
     "The full list of merged pull requests is on the releases page.", "Binary packages are available for Linux, macOS and Windows.",
     "This is the last release that supports the old configuration format.", "Please report any regressions on the issue tracker.",
     "Documentation for older versions is still online.", "A long-term support branch receives security fixes for one more year.",
     "Special thanks to {name} for the new logo and to {name} for testing the release candidates.",
     "Plugins written for the previous major version need a small change; the guide explains it."],
    extra=_changes)

GENRES: dict[str, Genre] = {
    "politics": POLITICS, "sports": SPORTS, "business": BUSINESS, "local": LOCAL, "homepage": HOMEPAGE, "cv": CV,
    "team": TEAM, "tutorial": TUTORIAL, "readme": README, "api": API, "recipe": RECIPE, "shop": SHOP, "travel": TRAVEL,
    "health": HEALTH, "history": HISTORY, "science": SCIENCE, "blog": BLOG, "forum": FORUM, "events": EVENTS,
    "reviews": REVIEWS, "jobs": JOBS, "weather": WEATHER, "legal": LEGAL, "programming_qa": PROGRAMMING_QA,
    "changelog": CHANGELOG,
}


def genre_body(rng: random.Random, genre: str) -> tuple[str, str]:
    """(title, HTML body) of a page of the genre: paragraphs of its sentences, its extra part."""
    g = GENRES[genre]
    title = fill(rng, rng.choice(g.titles))
    sentences = pick(rng, g.sentences, rng.randint(*g.length))
    for _ in range(rng.randint(0, 2)):
        sentences.insert(rng.randint(0, len(sentences)), rng.choice(CHATTER))
    paras, k = [], 0
    while k < len(sentences):
        step = rng.randint(1, 3)
        paras.append(f"<p>{html.escape(' '.join(sentences[k:k + step]))}</p>")
        k += step
    if g.extra is not None:
        paras.insert(rng.randint(1, len(paras)), g.extra(rng))
    if g.headings and len(paras) > 3:
        paras.insert(len(paras) // 2, f"<h2>{rng.choice(g.headings)}</h2>")
    return title, "".join(paras)
