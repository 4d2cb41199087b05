"""Fidelity suite for the math-aware preprocessor: one page per markup family, as sites emit it.

Each fixture is a whole page (navigation, sidebar, footer around the content) so the test goes
through main-content extraction too. `PAGES` is also the page set of benchmarks/bench_extract.py.
Each entry: html, the exact delimited LaTeX both passes must produce, and text that must not
appear (rendered duplicates, footnote marks ...).
"""
from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from curation.extract import extract_fast, extract_precise
from curation.mathhtml import (
    count_math_markup,
    count_tex_fragments,
    needs_rewrite,
    rewrite_math,
    source_tex_fragments,
    tex_from_image_url,
    tex_retention,
)
from curation.mathml import mathml_to_latex


def page(title: str, body: str, head: str = "") -> str:
    """A WordPress-style blog page around `body`."""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>{head}</head>
<body class="post-template-default single single-post"><header class="site-header"><nav class="main-navigation"><ul id="primary-menu" class="menu"><li class="menu-item"><a href="/">Home</a></li><li class="menu-item"><a href="/archive/">Archive</a></li><li class="menu-item"><a href="/about/">About</a></li></ul></nav></header>
<div id="page" class="site"><div id="content" class="site-content"><main id="main" class="site-main"><article id="post-42" class="post-42 post type-post status-publish format-standard hentry category-maths">
<header class="entry-header"><h1 class="entry-title">{title}</h1><div class="entry-meta"><span class="posted-on">Posted on <time class="entry-date published" datetime="2019-03-14T09:00:00+00:00">March 14, 2019</time></span> <span class="byline">by <a href="/author/admin/">admin</a></span></div></header>
<div class="entry-content">
{body}
</div><footer class="entry-footer"><span class="cat-links">Posted in <a href="/category/maths/" rel="category tag">Maths</a></span></footer></article>
<nav class="navigation post-navigation"><div class="nav-links"><div class="nav-previous"><a href="/older/" rel="prev">Previous post</a></div><div class="nav-next"><a href="/newer/" rel="next">Next post</a></div></div></nav></main>
<aside id="secondary" class="widget-area"><section class="widget widget_recent_entries"><h2 class="widget-title">Recent Posts</h2><ul><li><a href="/p/1/">On the harmonic series</a></li><li><a href="/p/2/">Why 0.999... equals 1</a></li></ul></section></aside></div></div>
<footer id="colophon" class="site-footer"><div class="site-info">&copy; 2019 A Maths Blog &middot; Proudly powered by WordPress</div></footer></body></html>"""


MATHJAX_LOADER = '<script type="text/javascript" async src="https://cdnjs.cloudflare.com/ajax/libs/mathjax/2.7.7/MathJax.js?config=TeX-AMS-MML_HTMLorMML"></script>'

# MathJax 2 after rendering (pages saved from a browser, pre-rendered static sites): every formula
# is a preview span, the rendered .MathJax span (with its assistive MathML) and the source script.
MATHJAX2_RENDERED = page(
    "Area of a circle",
    """<p>The area of a circle of radius <span class="MathJax_Preview" style="color: inherit; display: none;"></span><span class="MathJax" id="MathJax-Element-1-Frame" tabindex="0" data-mathml="&lt;math xmlns=&quot;http://www.w3.org/1998/Math/MathML&quot;&gt;&lt;mi&gt;r&lt;/mi&gt;&lt;/math&gt;" role="presentation" style="position: relative;"><nobr aria-hidden="true"><span class="math" id="MathJax-Span-1" style="width: 0.575em; display: inline-block;"><span style="display: inline-block; position: relative; width: 0.46em; height: 0px; font-size: 120%;"><span class="mrow" id="MathJax-Span-2"><span class="mi" id="MathJax-Span-3" style="font-family: MathJax_Math-italic;">r</span></span></span></span></nobr><span class="MJX_Assistive_MathML" role="presentation"><math xmlns="http://www.w3.org/1998/Math/MathML"><mi>r</mi></math></span></span><script type="math/tex" id="MathJax-Element-1">r</script> is <span class="MathJax_Preview" style="color: inherit; display: none;"></span><span class="MathJax" id="MathJax-Element-2-Frame" tabindex="0" role="presentation" style="position: relative;"><nobr aria-hidden="true"><span class="math" id="MathJax-Span-4"><span class="mrow"><span class="mi" style="font-family: MathJax_Math-italic;">A</span><span class="mo" style="font-family: MathJax_Main;">=</span><span class="mi" style="font-family: MathJax_Math-italic;">π</span><span class="msubsup"><span class="mi">r</span><span class="mn">2</span></span></span></span></nobr><span class="MJX_Assistive_MathML" role="presentation"><math xmlns="http://www.w3.org/1998/Math/MathML"><mi>A</mi><mo>=</mo><mi>π</mi><msup><mi>r</mi><mn>2</mn></msup></math></span></span><script type="math/tex" id="MathJax-Element-2">A = \\pi r^2</script>. Integrating the circumference gives the same result:</p>
<span class="MathJax_Preview" style="color: inherit; display: none;"></span><div class="MathJax_Display" style="text-align: center;"><span class="MathJax" id="MathJax-Element-3-Frame" tabindex="0" role="presentation" style="text-align: center; position: relative;"><nobr aria-hidden="true"><span class="math" id="MathJax-Span-9"><span class="mrow"><span class="msubsup"><span class="mo" style="font-family: MathJax_Size2;">∫</span><span class="mn">0</span><span class="mi">r</span></span><span class="mn">2</span><span class="mi">π</span><span class="mi">s</span><span class="mi">d</span><span class="mi">s</span><span class="mo">=</span><span class="mi">π</span><span class="msubsup"><span class="mi">r</span><span class="mn">2</span></span></span></span></nobr><span class="MJX_Assistive_MathML MJX_Assistive_MathML_Block" role="presentation"><math xmlns="http://www.w3.org/1998/Math/MathML" display="block"><msubsup><mo>∫</mo><mn>0</mn><mi>r</mi></msubsup><mn>2</mn><mi>π</mi><mi>s</mi><mspace width="thinmathspace"></mspace><mi>d</mi><mi>s</mi><mo>=</mo><mi>π</mi><msup><mi>r</mi><mn>2</mn></msup></math></span></span></div><script type="math/tex; mode=display" id="MathJax-Element-3">\\int_0^r 2\\pi s \\, ds = \\pi r^2</script>
<p>which is what Archimedes found, with a different argument.</p>
<div id="MathJax_Message" style="display: none;"></div>""",
    MATHJAX_LOADER,
)

# MathJax before rendering, as served: raw TeX in the page text (what Common Crawl holds for
# most MathJax sites), including an AMS environment and a $ that is a price.
MATHJAX_RAW = page(
    "Solving a quadratic",
    """<script type="text/x-mathjax-config">MathJax.Hub.Config({tex2jax: {inlineMath: [['$','$'], ['\\\\(','\\\\)']], processEscapes: true}});</script>
<p>Every quadratic \\(ax^2 + bx + c\\) with \\(a \\neq 0\\) has the roots</p>
<p>\\[ x_{1,2} = \\frac{-b \\pm \\sqrt{b^2 - 4ac}}{2a}. \\]</p>
<p>For example $x^2 - 5x + 6 = 0$ gives $x = 2$ and $x = 3$, and the discriminant is $$\\Delta = b^2 - 4ac = 1.$$</p>
<p>Vieta's formulas follow by comparing coefficients:</p>
<p>\\begin{align} x_1 + x_2 &amp;= -\\frac{b}{a}, \\\\ x_1 x_2 &amp;= \\frac{c}{a}. \\end{align}</p>
<p>The book costs $5 and the answer key $10, so it's a bargain.</p>""",
    MATHJAX_LOADER,
)

# MathJax 3 after rendering: the TeX is gone from the page; the assistive MathML is what is left.
MATHJAX3_RENDERED = page(
    "Geometric series",
    """<p>For <mjx-container class="MathJax CtxtMenu_Attached_0" jax="CHTML" style="font-size: 119.5%; position: relative;" tabindex="0" ctxtmenu_counter="0"><mjx-math class="MJX-TEX" aria-hidden="true"><mjx-mrow><mjx-mo class="mjx-n"><mjx-c class="mjx-c7C"></mjx-c></mjx-mo><mjx-mi class="mjx-i"><mjx-c class="mjx-c1D45F TEX-I"></mjx-c></mjx-mi><mjx-mo class="mjx-n"><mjx-c class="mjx-c7C"></mjx-c></mjx-mo><mjx-mo class="mjx-n" space="4"><mjx-c class="mjx-c3C"></mjx-c></mjx-mo><mjx-mn class="mjx-n" space="4"><mjx-c class="mjx-c31"></mjx-c></mjx-mn></mjx-mrow></mjx-math><mjx-assistive-mml unselectable="on" display="inline"><math xmlns="http://www.w3.org/1998/Math/MathML"><mo data-mjx-texclass="ORD" stretchy="false">|</mo><mi>r</mi><mo data-mjx-texclass="ORD" stretchy="false">|</mo><mo>&lt;</mo><mn>1</mn></math></mjx-assistive-mml></mjx-container> the geometric series converges:</p>
<mjx-container class="MathJax CtxtMenu_Attached_0" jax="CHTML" display="true" style="font-size: 119.5%; position: relative;" tabindex="0" ctxtmenu_counter="1"><mjx-math display="true" class="MJX-TEX" aria-hidden="true" style="margin-left: 0px; margin-right: 0px;"><mjx-munderover><mjx-over><mjx-mi class="mjx-i"><mjx-c class="mjx-c221E"></mjx-c></mjx-mi></mjx-over><mjx-box><mjx-mo class="mjx-lop"><mjx-c class="mjx-c2211 TEX-S2"></mjx-c></mjx-mo></mjx-box></mjx-munderover></mjx-math><mjx-assistive-mml unselectable="on" display="block"><math xmlns="http://www.w3.org/1998/Math/MathML" display="block"><munderover><mo data-mjx-texclass="OP">∑</mo><mrow data-mjx-texclass="ORD"><mi>k</mi><mo>=</mo><mn>0</mn></mrow><mi mathvariant="normal">∞</mi></munderover><msup><mi>r</mi><mi>k</mi></msup><mo>=</mo><mfrac><mn>1</mn><mrow><mn>1</mn><mo>−</mo><mi>r</mi></mrow></mfrac><mo>.</mo></math></mjx-assistive-mml></mjx-container>
<p>The partial sums are easy to write down in closed form.</p>""",
    '<script id="MathJax-script" async src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml.js"></script>',
)

# KaTeX (server- or client-rendered): MathML with a TeX annotation + a visual HTML duplicate.
KATEX = page(
    "Euler's identity",
    """<p>The most famous formula in mathematics is <span class="katex"><span class="katex-mathml"><math xmlns="http://www.w3.org/1998/Math/MathML"><semantics><mrow><msup><mi>e</mi><mrow><mi>i</mi><mi>π</mi></mrow></msup><mo>+</mo><mn>1</mn><mo>=</mo><mn>0</mn></mrow><annotation encoding="application/x-tex">e^{i\\pi} + 1 = 0</annotation></semantics></math></span><span class="katex-html" aria-hidden="true"><span class="base"><span class="strut" style="height:0.8247em;"></span><span class="mord"><span class="mord mathnormal">e</span><span class="msupsub"><span class="vlist-t"><span class="vlist-r"><span class="vlist" style="height:0.8247em;"><span style="top:-3.063em;margin-right:0.05em;"><span class="pstrut" style="height:2.7em;"></span><span class="sizing reset-size6 size3 mtight"><span class="mord mtight"><span class="mord mathnormal mtight">iπ</span></span></span></span></span></span></span></span></span><span class="mbin">+</span><span class="mord">1</span><span class="mrel">=</span><span class="mord">0</span></span></span></span>. It is the case <span class="katex"><span class="katex-mathml"><math xmlns="http://www.w3.org/1998/Math/MathML"><semantics><mrow><mi>x</mi><mo>=</mo><mi>π</mi></mrow><annotation encoding="application/x-tex">x = \\pi</annotation></semantics></math></span><span class="katex-html" aria-hidden="true"><span class="base"><span class="mord mathnormal">x</span><span class="mrel">=</span><span class="mord mathnormal">π</span></span></span></span> of Euler's formula</p>
<p><span class="katex-display"><span class="katex"><span class="katex-mathml"><math xmlns="http://www.w3.org/1998/Math/MathML" display="block"><semantics><mrow><msup><mi>e</mi><mrow><mi>i</mi><mi>x</mi></mrow></msup><mo>=</mo><mi>cos</mi><mo>⁡</mo><mi>x</mi><mo>+</mo><mi>i</mi><mi>sin</mi><mo>⁡</mo><mi>x</mi></mrow><annotation encoding="application/x-tex">e^{ix} = \\cos x + i \\sin x</annotation></semantics></math></span><span class="katex-html" aria-hidden="true"><span class="base"><span class="mord"><span class="mord mathnormal">e</span></span><span class="mrel">=</span><span class="mop">cos</span><span class="mord mathnormal">x</span><span class="mbin">+</span><span class="mord mathnormal">i</span><span class="mop">sin</span><span class="mord mathnormal">x</span></span></span></span></span></p>
<p>which follows from the power series of the three functions.</p>""",
    '<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/katex@0.16.9/dist/katex.min.css">',
)

# LaTeXML (arXiv HTML papers): MathML with alttext and a TeX annotation; display math in tables.
LATEXML = page(
    "Lipschitz maps",
    """<div class="ltx_para" id="S1.p1"><p class="ltx_p">Let <math id="S1.p1.m1" class="ltx_Math" alttext="f:X\\to Y" display="inline"><semantics><mrow><mi>f</mi><mo>:</mo><mrow><mi>X</mi><mo>→</mo><mi>Y</mi></mrow></mrow><annotation-xml encoding="MathML-Content"><apply><ci>:</ci><ci>f</ci><apply><ci>→</ci><ci>X</ci><ci>Y</ci></apply></apply></annotation-xml><annotation encoding="application/x-tex">f:X\\to Y</annotation></semantics></math> be a map between metric spaces. It is Lipschitz when there is <math id="S1.p1.m2" class="ltx_Math" alttext="L\\geq 0" display="inline"><semantics><mrow><mi>L</mi><mo>≥</mo><mn>0</mn></mrow><annotation encoding="application/x-tex">L\\geq 0</annotation></semantics></math> with</p>
<table id="S1.E1" class="ltx_equation ltx_eqn_table"><tbody><tr class="ltx_equation ltx_eqn_row ltx_align_baseline"><td class="ltx_eqn_cell ltx_eqn_center_padleft"></td><td class="ltx_eqn_cell ltx_align_center"><math id="S1.E1.m1" class="ltx_Math" alttext="d(f(x),f(y))\\leq L\\,d(x,y)." display="block"><semantics><mrow><mrow><mi>d</mi><mrow><mo stretchy="false">(</mo><mrow><mi>f</mi><mrow><mo stretchy="false">(</mo><mi>x</mi><mo stretchy="false">)</mo></mrow></mrow><mo>,</mo><mrow><mi>f</mi><mrow><mo stretchy="false">(</mo><mi>y</mi><mo stretchy="false">)</mo></mrow></mrow><mo stretchy="false">)</mo></mrow></mrow><mo>≤</mo><mrow><mi>L</mi><mo lspace="0.170em">⁢</mo><mi>d</mi><mrow><mo stretchy="false">(</mo><mi>x</mi><mo>,</mo><mi>y</mi><mo stretchy="false">)</mo></mrow></mrow></mrow><mo lspace="0em">.</mo></mrow><annotation encoding="application/x-tex">d(f(x),f(y))\\leq L\\,d(x,y).</annotation></semantics></math></td><td class="ltx_eqn_cell ltx_eqn_center_padright"></td><td rowspan="1" class="ltx_eqn_cell ltx_eqn_eqno ltx_align_middle ltx_align_right"><span class="ltx_tag ltx_tag_equation ltx_align_right">(1)</span></td></tr></tbody></table>
<p class="ltx_p">Every Lipschitz map is uniformly continuous, but not conversely.</p></div>""",
)

# MathML with alttext only (no annotation), and hand-written presentation MathML (no TeX at all).
MATHML = page(
    "The quadratic formula in MathML",
    """<p>The roots of <math alttext="ax^2+bx+c=0"><mi>a</mi><msup><mi>x</mi><mn>2</mn></msup><mo>+</mo><mi>b</mi><mi>x</mi><mo>+</mo><mi>c</mi><mo>=</mo><mn>0</mn></math> are</p>
<math display="block" xmlns="http://www.w3.org/1998/Math/MathML">
  <mrow>
    <mi>x</mi><mo>=</mo>
    <mfrac>
      <mrow><mo>&minus;</mo><mi>b</mi><mo>&PlusMinus;</mo><msqrt><mrow><msup><mi>b</mi><mn>2</mn></msup><mo>&minus;</mo><mn>4</mn><mo>&InvisibleTimes;</mo><mi>a</mi><mo>&InvisibleTimes;</mo><mi>c</mi></mrow></msqrt></mrow>
      <mrow><mn>2</mn><mo>&InvisibleTimes;</mo><mi>a</mi></mrow>
    </mfrac>
  </mrow>
</math>
<p>and the matrix <math><mi>A</mi><mo>=</mo><mfenced open="[" close="]"><mtable><mtr><mtd><mn>1</mn></mtd><mtd><mn>2</mn></mtd></mtr><mtr><mtd><mn>3</mn></mtd><mtd><mn>4</mn></mtd></mtr></mtable></mfenced></math> has determinant <math><mo>&minus;</mo><mn>2</mn></math>, while <math><munderover><mo>&sum;</mo><mrow><mi>k</mi><mo>=</mo><mn>1</mn></mrow><mi>n</mi></munderover><mi>k</mi><mo>=</mo><mfrac><mrow><mi>n</mi><mo>(</mo><mi>n</mi><mo>+</mo><mn>1</mn><mo>)</mo></mrow><mn>2</mn></mfrac></math> and <math><mroot><mi>x</mi><mn>3</mn></mroot><mo>&sdot;</mo><mover><mi>v</mi><mo>&rarr;</mo></mover><mo>&isin;</mo><msup><mi mathvariant="double-struck">R</mi><mn>3</mn></msup><mspace width="1em"></mspace><mtext>for all</mtext><mspace width="0.2em"></mspace><msub><mi>&alpha;</mi><mi>i</mi></msub></math>.</p>""",
)

# Wikipedia: hidden MathML (TeX annotation) + a fallback SVG whose alt is the same TeX.
WIKIPEDIA = """<!DOCTYPE html>
<html class="client-nojs" lang="en" dir="ltr"><head><meta charset="UTF-8"><title>Pythagorean theorem - Wikipedia</title></head>
<body class="skin-vector mediawiki ltr sitedir-ltr ns-0 ns-subject page-Pythagorean_theorem skin-vector-2022 action-view">
<a class="mw-jump-link" href="#bodyContent">Jump to content</a>
<div class="vector-header-container"><header class="vector-header mw-header"><nav class="vector-main-menu-landmark" aria-label="Site"><ul class="vector-menu-content-list"><li id="n-mainpage-description" class="mw-list-item"><a href="/wiki/Main_Page"><span>Main page</span></a></li><li id="n-contents" class="mw-list-item"><a href="/wiki/Wikipedia:Contents"><span>Contents</span></a></li></ul></nav></header></div>
<div class="mw-page-container"><div class="mw-content-container"><main id="content" class="mw-body">
<header class="mw-body-header vector-page-titlebar"><h1 id="firstHeading" class="firstHeading mw-first-heading"><span class="mw-page-title-main">Pythagorean theorem</span></h1></header>
<div id="bodyContent" class="vector-body"><div id="siteSub" class="noprint">From Wikipedia, the free encyclopedia</div>
<div id="mw-content-text" class="mw-body-content"><div class="mw-content-ltr mw-parser-output" lang="en" dir="ltr">
<div class="shortdescription nomobile noexcerpt noprint searchaux" style="display:none">Relation between sides of a right triangle</div>
<table class="infobox"><tbody><tr><th class="infobox-above">Pythagorean theorem</th></tr><tr><th class="infobox-label">Field</th><td class="infobox-data">Euclidean geometry</td></tr></tbody></table>
<p>In mathematics, the <b>Pythagorean theorem</b> or <b>Pythagoras' theorem</b> is a fundamental relation in Euclidean geometry between the three sides of a right triangle.<sup id="cite_ref-1" class="reference"><a href="#cite_note-1"><span class="cite-bracket">&#91;</span>1<span class="cite-bracket">&#93;</span></a></sup> It states that the area of the square whose side is the hypotenuse is equal to the sum of the areas of the squares on the other two sides:</p>
<div class="mwe-math-element"><div class="mwe-math-mathml-display mwe-math-mathml-a11y" style="display: none;"><math display="block" xmlns="http://www.w3.org/1998/Math/MathML" alttext="{\\displaystyle a^{2}+b^{2}=c^{2}.}"><semantics><mrow class="MJX-TeXAtom-ORD"><mstyle displaystyle="true" scriptlevel="0"><msup><mi>a</mi><mrow class="MJX-TeXAtom-ORD"><mn>2</mn></mrow></msup><mo>+</mo><msup><mi>b</mi><mrow class="MJX-TeXAtom-ORD"><mn>2</mn></mrow></msup><mo>=</mo><msup><mi>c</mi><mrow class="MJX-TeXAtom-ORD"><mn>2</mn></mrow></msup><mo>.</mo></mstyle></mrow><annotation encoding="application/x-tex">{\\displaystyle a^{2}+b^{2}=c^{2}.}</annotation></semantics></math></div><img src="https://wikimedia.org/api/rest_v1/media/math/render/svg/a3f7cbd2b7b2b0e1e1f5e0f5b1b2b3b4b5b6b7b8" class="mwe-math-fallback-image-display mw-invert skin-invert" aria-hidden="true" style="width:15.123ex; height:3.009ex;" alt="{\\displaystyle a^{2}+b^{2}=c^{2}.}"></div>
<p>The theorem can be written as an equation relating the lengths of the sides <span class="mwe-math-element"><span class="mwe-math-mathml-inline mwe-math-mathml-a11y" style="display: none;"><math xmlns="http://www.w3.org/1998/Math/MathML" alttext="{\\displaystyle a}"><semantics><mrow class="MJX-TeXAtom-ORD"><mstyle displaystyle="true" scriptlevel="0"><mi>a</mi></mstyle></mrow><annotation encoding="application/x-tex">{\\displaystyle a}</annotation></semantics></math></span><img src="https://wikimedia.org/api/rest_v1/media/math/render/svg/ffd2487510aa438433a2579450ab2b3d557e5edc" class="mwe-math-fallback-image-inline mw-invert skin-invert" aria-hidden="true" style="vertical-align: -0.338ex; width:1.23ex; height:1.676ex;" alt="{\\displaystyle a}"></span>, <span class="mwe-math-element"><span class="mwe-math-mathml-inline mwe-math-mathml-a11y" style="display: none;"><math xmlns="http://www.w3.org/1998/Math/MathML" alttext="{\\displaystyle b}"><semantics><mrow class="MJX-TeXAtom-ORD"><mstyle displaystyle="true" scriptlevel="0"><mi>b</mi></mstyle></mrow><annotation encoding="application/x-tex">{\\displaystyle b}</annotation></semantics></math></span><img src="https://wikimedia.org/api/rest_v1/media/math/render/svg/f11423fbb2e967f986e36804a8ae4271734917c3" class="mwe-math-fallback-image-inline mw-invert skin-invert" aria-hidden="true" style="vertical-align: -0.338ex; width:0.998ex; height:2.176ex;" alt="{\\displaystyle b}"></span> and the hypotenuse <span class="mwe-math-element"><span class="mwe-math-mathml-inline mwe-math-mathml-a11y" style="display: none;"><math xmlns="http://www.w3.org/1998/Math/MathML" alttext="{\\displaystyle c}"><semantics><mrow class="MJX-TeXAtom-ORD"><mstyle displaystyle="true" scriptlevel="0"><mi>c</mi></mstyle></mrow><annotation encoding="application/x-tex">{\\displaystyle c}</annotation></semantics></math></span><img src="https://wikimedia.org/api/rest_v1/media/math/render/svg/86a67b81c2de995bd608d5b2df50cd8cd7d92455" class="mwe-math-fallback-image-inline mw-invert skin-invert" aria-hidden="true" style="vertical-align: -0.338ex; width:1.007ex; height:1.676ex;" alt="{\\displaystyle c}"></span>, sometimes called the Pythagorean equation. In the plane the distance formula <span class="texhtml"><i>d</i><sup>2</sup> = <i>x</i><sup>2</sup> + <i>y</i><sup>2</sup></span> is a consequence.</p>
<div class="mw-heading mw-heading2"><h2 id="Proofs">Proofs</h2><span class="mw-editsection"><span class="mw-editsection-bracket">[</span><a href="/w/index.php?title=Pythagorean_theorem&amp;action=edit&amp;section=1"><span>edit</span></a><span class="mw-editsection-bracket">]</span></span></div>
<p>This theorem may have more known proofs than any other. Rearranging four copies of the triangle inside a square of side <span class="mwe-math-element"><span class="mwe-math-mathml-inline mwe-math-mathml-a11y" style="display: none;"><math xmlns="http://www.w3.org/1998/Math/MathML" alttext="{\\displaystyle a+b}"><semantics><mrow class="MJX-TeXAtom-ORD"><mstyle displaystyle="true" scriptlevel="0"><mi>a</mi><mo>+</mo><mi>b</mi></mstyle></mrow><annotation encoding="application/x-tex">{\\displaystyle a+b}</annotation></semantics></math></span><img src="https://wikimedia.org/api/rest_v1/media/math/render/svg/e3ce3c9b0e2d1dd0a0e2bd1f5d1ad8b6a5a1e0c4" class="mwe-math-fallback-image-inline mw-invert skin-invert" aria-hidden="true" alt="{\\displaystyle a+b}"></span> proves it.</p>
<div class="mw-heading mw-heading2"><h2 id="References">References</h2></div>
<div class="reflist"><div class="mw-references-wrap"><ol class="references"><li id="cite_note-1"><span class="mw-cite-backlink"><b><a href="#cite_ref-1">^</a></b></span> <span class="reference-text">Judith D. Sally; Paul Sally (2007). <i>Roots to research</i>. p. 63.</span></li></ol></div></div>
<div role="navigation" class="navbox" aria-labelledby="Ancient_Greek_mathematics" style="padding:3px"><table class="nowraplinks navbox-inner"><tbody><tr><th class="navbox-title" colspan="2"><div id="Ancient_Greek_mathematics">Ancient Greek mathematics</div></th></tr><tr><td class="navbox-list"><ul><li><a href="/wiki/Euclid">Euclid</a></li><li><a href="/wiki/Archimedes">Archimedes</a></li></ul></td></tr></tbody></table></div>
</div></div>
<div class="printfooter">Retrieved from "<a href="https://en.wikipedia.org/w/index.php?title=Pythagorean_theorem">https://en.wikipedia.org/w/index.php?title=Pythagorean_theorem</a>"</div>
<div id="catlinks" class="catlinks"><div id="mw-normal-catlinks" class="mw-normal-catlinks"><a href="/wiki/Help:Category">Categories</a>: <ul><li><a href="/wiki/Category:Euclidean_geometry">Euclidean geometry</a></li></ul></div></div>
</div></main></div></div>
<footer id="footer" class="mw-footer"><ul id="footer-info"><li id="footer-info-lastmod"> This page was last edited on 2 January 2024.</li><li id="footer-info-copyright">Text is available under the Creative Commons Attribution-ShareAlike License 4.0.</li></ul></footer>
</body></html>"""

# TeX rendered to images: WordPress.com latex.php, CodeCogs, mimeTeX, AoPS (alt already
# delimited) and old MediaWiki `img.tex`.
TEX_IMAGES = page(
    "Basel problem",
    """<p>Euler showed that <img src="https://s0.wp.com/latex.php?latex=%5Csum_%7Bn%3D1%7D%5E%5Cinfty+%5Cfrac%7B1%7D%7Bn%5E2%7D+%3D+%5Cfrac%7B%5Cpi%5E2%7D%7B6%7D&#038;bg=ffffff&#038;fg=333333&#038;s=0&#038;c=20201002" srcset="https://s0.wp.com/latex.php?latex=%5Csum&#038;zoom=2 2x" alt="&#92;sum_{n=1}^&#92;infty &#92;frac{1}{n^2} = &#92;frac{&#92;pi^2}{6}" class="latex" /> and, more generally, gave <img src="https://s0.wp.com/latex.php?latex=%5Czeta%282k%29&#038;bg=ffffff&#038;fg=333333&#038;s=0" alt="&#92;zeta(2k)" class="latex" /> for every <img src="https://latex.codecogs.com/gif.latex?k\\geq&space;1" title="k\\geq 1" />.</p>
<p>A binomial identity: <img src="https://latex.codecogs.com/svg.image?\\inline&space;\\dpi{110}&space;\\binom{n}{k}=\\frac{n!}{k!(n-k)!}" /> and a radical <img src="/cgi-bin/mimetex.cgi?\\sqrt{a^2+b^2}" alt="\\sqrt{a^2+b^2}" border="0" align="middle">.</p>
<div class="cmty-post-body">From the forum: <img src="//latex.artofproblemsolving.com/1/2/3/123abc.png" class="latex" alt="$a+b+c=1$" style="vertical-align: -2px" width="86" height="13" /> implies <img src="//latex.artofproblemsolving.com/4/5/6/456def.png" class="latexcenter" alt="\\[\\sum_{cyc} \\frac{a}{b+c} \\geq \\frac{3}{2}\\]" width="140" height="40" /></div>
<p>Old wiki style: <img class="tex" alt="E = mc^2" src="/images/math/1/2/3/123.png" />.</p>""",
)

ASCIIMATH = page(
    "AsciiMath notes",
    """<p>The area is <script type="math/asciimath">A = pi r^2</script> and the volume <script type="math/tex">V = \\frac{4}{3}\\pi r^3</script>.</p>""",
    '<script src="https://cdn.jsdelivr.net/npm/mathjax@2/MathJax.js?config=AM_CHTML"></script>',
)

# Plain HTML math: superscripts/subscripts, with a footnote mark and an ordinal left alone.
SUP_SUB = page(
    "Fermat's last theorem",
    """<p>Fermat claimed in the 17<sup>th</sup> century that x<sup>n</sup> + y<sup>n</sup> = z<sup>n</sup> has no solution in positive integers for n &gt; 2.<sup class="footnote"><a href="#fn1">[1]</a></sup> For n = 2 the triples a<sub>k</sub><sup>2</sup> + b<sub>k</sub><sup>2</sup> = c<sub>k</sub><sup>2</sup> are infinite; nested powers like 2<sup>2<sup>n</sup></sup> appear in Fermat numbers.</p>""",
)

# Stack Exchange question page as served (raw TeX, rendered client-side).
STACK_EXCHANGE = """<!DOCTYPE html>
<html itemscope itemtype="https://schema.org/QAPage" class="html__responsive"><head><title>Why does the harmonic series diverge? - Mathematics Stack Exchange</title>
<script type="text/x-mathjax-config">MathJax.Hub.Config({"HTML-CSS": { preferredFont: "TeX" }, tex2jax: { inlineMath: [ ["$", "$"], ["\\\\(","\\\\)"] ], displayMath: [ ["$$","$$"], ["\\\\[", "\\\\]" ]], processEscapes: true }});</script>
<script src="https://cdn.sstatic.net/Js/stub.en.js"></script></head>
<body class="question-page unified-theme">
<header class="s-topbar js-top-bar"><div class="s-topbar--container"><a href="https://math.stackexchange.com" class="s-topbar--logo">Mathematics</a><ol class="s-topbar--content"><li><a href="/users/login">Log in</a></li><li><a href="/users/signup">Sign up</a></li></ol></div></header>
<div class="container"><div id="left-sidebar" class="left-sidebar js-pinned-left-sidebar"><nav role="navigation"><ol class="nav-links"><li><a href="/">Home</a></li><li><a href="/questions">Questions</a></li><li><a href="/tags">Tags</a></li></ol></nav></div>
<div id="content" class="snippet-hidden"><div itemprop="mainEntity" itemscope itemtype="https://schema.org/Question">
<div id="question-header" class="d-flex sm:fd-column"><h1 itemprop="name" class="fs-headline1 ow-break-word mb8 flex--item fl1"><a href="/questions/255/why-does-the-harmonic-series-diverge" class="question-hyperlink">Why does the harmonic series diverge?</a></h1></div>
<div class="d-flex fw-wrap pb8 mb16 bb bc-black-075"><div class="flex--item ws-nowrap mr16 mb8"><span class="fc-black-400 mr2">Asked</span><time itemprop="dateCreated" datetime="2010-07-21T03:25:42">13 years ago</time></div></div>
<div id="mainbar" role="main" aria-label="question and answers">
<div class="question js-question" data-questionid="255" id="question"><div class="post-layout">
<div class="votecell post-layout--left"><div class="js-voting-container d-flex jc-center fd-column ai-stretch gs4 fc-black-200" data-post-id="255"><button class="js-vote-up-btn" aria-label="Up vote">up</button><div class="js-vote-count flex--item d-flex fd-column ai-center fc-black-500 fs-title" itemprop="upvoteCount" data-value="142">142</div><button class="js-vote-down-btn" aria-label="Down vote">down</button></div></div>
<div class="postcell post-layout--right"><div class="s-prose js-post-body" itemprop="text">
<p>I know that $\\sum_{n=1}^\\infty \\frac{1}{n^2}$ converges, but why does $$\\sum_{n=1}^\\infty \\frac{1}{n} = 1 + \\frac12 + \\frac13 + \\cdots$$ diverge, when its terms go to $0$?</p>
</div>
<div class="mt24 mb12"><div class="post-taglist d-flex gs4 gsy fd-column"><ul class="ml0 list-ls-none js-post-tag-list-wrapper d-inline"><li class="d-inline mr4 js-post-tag-list-item"><a href="/questions/tagged/sequences-and-series" class="post-tag" rel="tag">sequences-and-series</a></li></ul></div></div>
<div class="mb0"><div class="mt16 d-flex gs8 gsy fw-wrap jc-end ai-start pt4 mb16"><div class="flex--item mr16 fl1 w96"><div class="js-post-menu pt2" data-post-id="255"><div class="d-flex gs8 s-anchors s-anchors__muted fw-wrap"><div class="flex--item"><a href="/q/255" rel="nofollow" class="js-share-link js-gps-track">Share</a></div><div class="flex--item"><button type="button" class="s-btn s-btn__link js-follow-post">Follow</button></div></div></div></div>
<div class="post-signature owner flex--item"><div class="user-info"><div class="user-action-time">asked <span title="2010-07-21 03:25:42Z" class="relativetime">Jul 21, 2010 at 3:25</span></div><div class="user-details" itemprop="author" itemscope itemtype="http://schema.org/Person"><a href="/users/94/alice">alice</a><div class="-flair"><span class="reputation-score">2,105</span></div></div></div></div></div></div></div>
<div class="post-layout--right js-post-comments-component"><div id="comments-255" class="comments js-comments-container bt bc-black-075 mt12" data-post-id="255"><ul class="comments-list js-comments-list">
<li id="comment-301" class="comment js-comment" data-comment-id="301"><div class="js-comment-actions comment-actions"><div class="comment-score js-comment-edit-hide"><span title="number of 'useful comment' votes received" class="cool">12</span></div></div><div class="comment-text js-comment-text-and-form"><div class="comment-body js-comment-edit-hide"><span class="comment-copy">Compare with $\\int_1^\\infty \\frac{dx}{x}$.</span><div class="d-inline-flex ai-center">&ndash;&nbsp;<a href="/users/12/bob" class="comment-user">bob</a><span class="comment-date" dir="ltr"><span title="2010-07-21 03:40:00Z" class="relativetime-clean">Jul 21, 2010 at 3:40</span></span></div></div></div></li>
</ul></div></div>
</div></div>
<div id="answers"><div id="answers-header"><div class="answers-subheader d-flex ai-center mb8"><div class="flex--item fl1"><h2 class="mb0" data-answercount="2">2 Answers <span style="display:none;" itemprop="answerCount">2</span></h2></div><div class="flex--item"><label class="flex--item fs-caption" for="answer-sort-dropdown-select-menu">Sorted by:</label><select id="answer-sort-dropdown-select-menu"><option value="scoredesc" selected="selected">Highest score (default)</option><option value="modifieddesc">Date modified (newest first)</option></select></div></div></div>
<a name="258"></a><div id="answer-258" class="answer js-answer accepted-answer js-accepted-answer" data-answerid="258" data-parentid="255" itemprop="acceptedAnswer" itemscope itemtype="https://schema.org/Answer"><div class="post-layout"><div class="votecell post-layout--left"><div class="js-vote-count" itemprop="upvoteCount" data-value="201">201</div></div>
<div class="answercell post-layout--right"><div class="s-prose js-post-body" itemprop="text">
<p>Group the terms: \\[1 + \\frac12 + \\left(\\frac13 + \\frac14\\right) + \\left(\\frac15 + \\cdots + \\frac18\\right) + \\cdots \\geq 1 + \\frac12 + \\frac12 + \\frac12 + \\cdots\\] Each group of $2^{k}$ terms is at least $\\frac12$, so the partial sums $H_{2^k} \\geq 1 + \\frac{k}{2}$ are unbounded.</p>
</div>
<div class="mt24"><div class="post-signature flex--item fl0"><div class="user-info"><div class="user-action-time">answered <span class="relativetime">Jul 21, 2010 at 3:31</span></div><div class="user-details" itemprop="author" itemscope itemtype="http://schema.org/Person"><a href="/users/3/carol">carol</a></div></div></div></div></div></div></div>
<a name="260"></a><div id="answer-260" class="answer js-answer" data-answerid="260" data-parentid="255" itemprop="suggestedAnswer" itemscope itemtype="https://schema.org/Answer"><div class="post-layout"><div class="votecell post-layout--left"><div class="js-vote-count" itemprop="upvoteCount" data-value="35">35</div></div>
<div class="answercell post-layout--right"><div class="s-prose js-post-body" itemprop="text">
<p>Use the integral test: \\(\\sum_{n=1}^{N} \\frac1n \\geq \\int_1^{N+1} \\frac{dx}{x} = \\ln(N+1)\\), which tends to $\\infty$.</p>
</div></div></div></div>
<h2 class="bottom-notice" data-loc="1">Not the answer you're looking for? Browse other questions tagged <a href="/questions/tagged/sequences-and-series" class="post-tag" rel="tag">sequences-and-series</a> or <a href="/questions/ask">ask your own question</a>.</h2>
</div></div>
<div id="sidebar" class="show-votes" role="complementary" aria-label="sidebar"><div class="s-sidebarwidget s-sidebarwidget__yellow"><ul class="d-block p0 m0"><li class="s-sidebarwidget--item d-flex px16"><a href="https://stackoverflow.blog/" class="js-gps-track">How we built a new search for everyone</a></li></ul></div>
<div id="hot-network-questions" class="module tex2jax_ignore"><h4><a href="https://stackexchange.com/questions?tab=hot">Hot Network Questions</a></h4><ul><li><a href="https://physics.stackexchange.com/questions/9" class="question-hyperlink">Why is the sky blue at noon and red at dusk?</a></li></ul></div></div>
</div></div></div>
<footer id="footer" class="site-footer js-footer" role="contentinfo"><div class="site-footer--container"><nav class="site-footer--nav"><ul class="-list"><li class="-item"><a href="/tour" class="-link">Tour</a></li><li class="-item"><a href="/help" class="-link">Help</a></li></ul></nav><p class="md:mb0">Site design / logo &copy; 2023 Stack Exchange Inc; user contributions licensed under CC BY-SA.</p></div></footer>
</body></html>"""

# phpBB 3 topic: two posts, the reply with MathJax-style raw TeX.
PHPBB_FORUM = """<!DOCTYPE html>
<html dir="ltr" lang="en-gb"><head><meta charset="utf-8" /><title>Limit of (1+1/n)^n - Free Math Help Forum</title>
<script type="text/x-mathjax-config">MathJax.Hub.Config({tex2jax: {inlineMath: [['[tex]','[/tex]'], ['$','$']]}});</script></head>
<body id="phpbb" class="nojs notouch section-viewtopic ltr">
<div id="wrap" class="wrap"><div id="page-header"><div class="headerbar" role="banner"><div class="inner"><div id="site-description" class="site-description"><a id="logo" class="logo" href="./index.php" title="Board index"><span class="site_logo"></span></a><h1>Free Math Help Forum</h1><p>Discuss mathematics at every level</p></div></div></div>
<div class="navbar" role="navigation"><ul id="nav-main" class="nav-main linklist" role="menubar"><li><a href="/faq.php" rel="help" title="Frequently Asked Questions" role="menuitem">FAQ</a></li><li><a href="./ucp.php?mode=login" title="Login" accesskey="x" role="menuitem">Login</a></li></ul></div></div>
<div id="page-body" class="page-body" role="main">
<h2 class="topic-title"><a href="./viewtopic.php?t=1234">Limit of (1+1/n)^n</a></h2>
<div class="action-bar bar-top"><a href="./posting.php?mode=reply&amp;t=1234" class="button" title="Post a reply"><span>Post Reply</span></a><div class="pagination">2 posts &bull; Page <strong>1</strong> of <strong>1</strong></div></div>
<div id="p5678" class="post has-profile bg2"><div class="inner"><dl class="postprofile" id="profile5678"><dt class="has-profile-rank"><a href="./memberlist.php?mode=viewprofile&amp;u=77" class="username">student42</a></dt><dd class="profile-rank">Junior Member</dd><dd class="profile-posts"><strong>Posts:</strong> 12</dd></dl>
<div class="postbody"><div id="post_content5678"><h3 class="first"><a href="#p5678">Limit of (1+1/n)^n</a></h3><p class="author"><span class="responsive-hide">by <strong><a href="./memberlist.php?mode=viewprofile&amp;u=77" class="username">student42</a></strong> &raquo; </span>Mon Jan 01, 2018 10:00 am</p>
<div class="content">How do I show that $\\lim_{n\\to\\infty} \\left(1+\\frac{1}{n}\\right)^n = e$? My teacher said to take logarithms but I get stuck at $n \\ln\\left(1+\\frac1n\\right)$.</div>
</div></div><div class="back2top"><a href="#top" class="top" title="Top">Top</a></div></div></div>
<hr class="divider" />
<div id="p5679" class="post has-profile bg1"><div class="inner"><dl class="postprofile" id="profile5679"><dt class="has-profile-rank"><a href="./memberlist.php?mode=viewprofile&amp;u=3" class="username">tutor</a></dt><dd class="profile-rank">Elite Member</dd></dl>
<div class="postbody"><div id="post_content5679"><h3><a href="#p5679">Re: Limit of (1+1/n)^n</a></h3><p class="author">by <strong>tutor</strong> &raquo; Mon Jan 01, 2018 11:00 am</p>
<div class="content">Use $\\ln(1+x) = x - \\frac{x^2}{2} + O(x^3)$ with $x = 1/n$: then $$n \\ln\\left(1+\\frac1n\\right) = 1 - \\frac{1}{2n} + O(n^{-2}) \\to 1,$$ and the exponential is continuous.</div>
</div></div></div></div>
<div class="action-bar bar-bottom"><a href="./posting.php?mode=reply&amp;t=1234" class="button"><span>Post Reply</span></a></div>
</div>
<div id="page-footer" class="page-footer" role="contentinfo"><div class="navbar" role="navigation"><ul id="nav-footer" class="nav-footer linklist" role="menubar"><li class="rightside"><a href="/ucp.php?mode=delete_cookies" role="menuitem">Delete cookies</a></li><li class="rightside">All times are <span title="UTC">UTC</span></li></ul></div><div class="copyright">Powered by <a href="https://www.phpbb.com/">phpBB</a>&reg; Forum Software &copy; phpBB Limited</div></div>
</div></body></html>"""

# A page with no math markup at all (must go through untouched).
NEWS = page(
    "Council approves new bridge",
    """<p>The city council voted 7 to 2 on Tuesday to approve the new pedestrian bridge over the river, a project expected to cost $4.5 million and open in 2021.</p>
<p>Residents who spoke at the meeting were mostly in favour. "It will connect the two halves of town," said one. Construction starts in the spring, weather permitting, and will close the riverside path for about six months.</p>""",
)

# name -> (html, exact LaTeX both passes must produce, text neither may contain)
PAGES: dict[str, tuple[str, list[str], list[str]]] = {
    "mathjax2_rendered": (
        MATHJAX2_RENDERED,
        ["radius $r$ is $A = \\pi r^2$.", "$$\\int_0^r 2\\pi s \\, ds = \\pi r^2$$", "which is what Archimedes found"],
        ["Aπr2", "∫0r", "MathJax"],
    ),
    "mathjax_raw": (
        MATHJAX_RAW,
        ["\\(ax^2 + bx + c\\)", "\\(a \\neq 0\\)", "\\[ x_{1,2} = \\frac{-b \\pm \\sqrt{b^2 - 4ac}}{2a}. \\]",
         "$x^2 - 5x + 6 = 0$", "$x = 2$", "$x = 3$", "$$\\Delta = b^2 - 4ac = 1.$$",
         "\\begin{align} x_1 + x_2 &= -\\frac{b}{a}, \\\\ x_1 x_2 &= \\frac{c}{a}. \\end{align}", "costs $5 and"],
        ["MathJax.Hub"],
    ),
    "mathjax3_rendered": (
        MATHJAX3_RENDERED,
        ["For $|r|<1$ the geometric series", "$$\\sum_{k=0}^{\\infty}r^{k}=\\frac{1}{1-r}.$$"],
        ["∑", "∞"],
    ),
    "katex": (
        KATEX,
        ["formula in mathematics is $e^{i\\pi} + 1 = 0$.", "case $x = \\pi$ of", "$$e^{ix} = \\cos x + i \\sin x$$"],
        ["iπ", "eix", "cosx"],
    ),
    "latexml": (
        LATEXML,
        ["Let $f:X\\to Y$ be", "there is $L\\geq 0$ with", "$$d(f(x),f(y))\\leq L\\,d(x,y).$$"],
        [],
    ),
    "mathml": (
        MATHML,
        ["roots of $ax^2+bx+c=0$ are", "$$x=\\frac{-b\\pm\\sqrt{b^{2}-4ac}}{2a}$$",
         "$A=\\left[\\begin{matrix}1 & 2\\\\3 & 4\\end{matrix}\\right]$", "determinant $-2$,",
         "$\\sum_{k=1}^{n}k=\\frac{n(n+1)}{2}$",
         "$\\sqrt[3]{x}\\cdot\\vec{v}\\in\\mathbb{R}^{3}\\quad\\text{for all}\\:\\alpha_{i}$"],
        [],
    ),
    "wikipedia": (
        WIKIPEDIA,
        ["Pythagorean theorem", "$$a^{2}+b^{2}=c^{2}.$$", "sides $a$, $b$ and the hypotenuse $c$,",
         "d^{2} = x^{2} + y^{2}", "square of side $a+b$ proves it",
         "fundamental relation in Euclidean geometry"],
        ["[1]", "displaystyle", "[edit]", "Archimedes", "Jump to content"],
    ),
    "tex_images": (
        TEX_IMAGES,
        ["$\\sum_{n=1}^\\infty \\frac{1}{n^2} = \\frac{\\pi^2}{6}$", "$\\zeta(2k)$", "$k\\geq 1$",
         "$\\binom{n}{k}=\\frac{n!}{k!(n-k)!}$", "$\\sqrt{a^2+b^2}$", "$a+b+c=1$",
         "\\[\\sum_{cyc} \\frac{a}{b+c} \\geq \\frac{3}{2}\\]", "$E = mc^2$"],
        [],
    ),
    "asciimath": (ASCIIMATH, ["area is A = pi r^2 and", "$V = \\frac{4}{3}\\pi r^3$"], []),
    "sup_sub": (
        SUP_SUB,
        ["17th century", "x^{n} + y^{n} = z^{n}", "a_{k}^{2} + b_{k}^{2} = c_{k}^{2}", "2^{2^{n}}"],
        ["^{th}", "^{[1]}"],
    ),
    "stack_exchange": (
        STACK_EXCHANGE,
        ["Why does the harmonic series diverge?", "$\\sum_{n=1}^\\infty \\frac{1}{n^2}$",
         "$$\\sum_{n=1}^\\infty \\frac{1}{n} = 1 + \\frac12 + \\frac13 + \\cdots$$",
         "Compare with $\\int_1^\\infty \\frac{dx}{x}$.", "Group the terms:",
         "$H_{2^k} \\geq 1 + \\frac{k}{2}$",
         "\\(\\sum_{n=1}^{N} \\frac1n \\geq \\int_1^{N+1} \\frac{dx}{x} = \\ln(N+1)\\)"],
        ["Hot Network Questions", "Sorted by"],
    ),
    "phpbb_forum": (
        PHPBB_FORUM,
        ["$\\lim_{n\\to\\infty} \\left(1+\\frac{1}{n}\\right)^n = e$",
         "$$n \\ln\\left(1+\\frac1n\\right) = 1 - \\frac{1}{2n} + O(n^{-2}) \\to 1,$$",
         "$\\ln(1+x) = x - \\frac{x^2}{2} + O(x^3)$"],
        ["Delete cookies"],
    ),
    "news": (NEWS, ["cost $4.5 million"], ["$$"]),
}


# ---------------------------------------------------------------------------------------------
# Fidelity: exact LaTeX from each family, through both passes
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(PAGES))
@pytest.mark.parametrize("extract", [extract_fast, extract_precise], ids=["fast", "precise"])
def test_fidelity(name, extract):
    html, wanted, unwanted = PAGES[name]
    text = " ".join(extract(html, url=f"https://example.org/{name}").text.split())
    for latex in wanted:
        assert " ".join(latex.split()) in text, f"{name}: missing {latex!r} in\n{text}"
    for bad in unwanted:
        assert bad not in text, f"{name}: unexpected {bad!r} in\n{text}"


@pytest.mark.parametrize("name", sorted(PAGES))
@pytest.mark.parametrize("extract", [extract_fast, extract_precise], ids=["fast", "precise"])
def test_every_source_fragment_is_retained(name, extract):
    html = PAGES[name][0]
    found, total = tex_retention(html, extract(html).text)
    assert found == total, f"{name}: {found}/{total} TeX fragments retained"


def test_markup_families_are_counted_on_raw_html():
    assert count_math_markup(MATHJAX2_RENDERED) == {"mathjax_tex": 3, "mathjax_rendered": 3, "mathml": 3}
    assert count_math_markup(MATHJAX3_RENDERED) == {"mathjax_rendered": 2, "mathml": 2}
    assert count_math_markup(KATEX) == {"katex": 3, "mathml": 3}
    assert count_math_markup(WIKIPEDIA) == {"wiki_math": 5, "mathml": 5}
    assert count_math_markup(TEX_IMAGES)["tex_image"] == 8
    assert count_math_markup(ASCIIMATH) == {"asciimath": 1, "mathjax_tex": 1}
    raw = count_math_markup(MATHJAX_RAW)
    assert raw == {"tex_delimited": 7, "tex_env": 1}  # the "$5 ... $10" price is not TeX
    assert count_math_markup(NEWS) == {}
    assert count_math_markup("<p>costs $5-$10, or $20 and $30</p>") == {}
    # jQuery's $ inside scripts is not TeX
    assert count_math_markup("<script>$(function(){ $('#a').hide(); })</script><p>hi</p>") == {}


def test_extraction_reports_markup_and_fragments():
    ex = extract_fast(KATEX)
    assert ex.math_markup == {"katex": 3, "mathml": 3}
    assert ex.tex_fragments == count_tex_fragments(ex.text) == 3
    assert ex.fallback is None
    assert extract_fast(NEWS).math_markup == {}


def test_plain_pages_skip_the_rewrite():
    assert not needs_rewrite(NEWS)
    assert needs_rewrite(KATEX) and needs_rewrite(SUP_SUB) and needs_rewrite(TEX_IMAGES)


PRICES_AND_SCRIPTS = (
    "<html><body><p>Pens cost $2 each and pads $3, so 4 pens cost</p>"
    "<p><script type='math/tex'>4 \\times 2 = 8</script> dollars; with one pad $11 in all.</p>"
    "<p><a href='/buy?p=$2'>buy</a></p><pre>$ pip install sympy</pre><!-- $9 --></body></html>"
)
RAW_DOLLARS_AND_SCRIPTS = (
    "<html><body><p>Let $x$ be real and</p><p><script type='math/tex'>x^2 \\ge 0</script>, "
    "for $5 a lesson.</p></body></html>"
)


@pytest.mark.parametrize("extract", [extract_fast, extract_precise])
def test_prices_are_escaped_beside_inserted_formulas(extract):
    # Without the escape "$2 each and pads $" would read as a formula next to ours.
    text = extract(PRICES_AND_SCRIPTS).text
    assert "\\$2 each and pads \\$3" in text and "$4 \\times 2 = 8$" in text and "\\$11" in text
    assert tex_retention(PRICES_AND_SCRIPTS, text) == (1, 1)
    assert count_tex_fragments(text) == 1
    # Code blocks, comments and attributes are not prose: their dollars stay as written.
    assert "$ pip install sympy" in text and "\\$ pip" not in text
    html, _ = rewrite_math(PRICES_AND_SCRIPTS)
    assert "href='/buy?p=$2'" in html and "<!-- $9 -->" in html
    # A page that writes TeX between dollars itself keeps its dollars as they are.
    raw = extract(RAW_DOLLARS_AND_SCRIPTS).text
    assert "$x$" in raw and "$x^2 \\ge 0$" in raw and "for $5 a lesson" in raw
    # A page with prices and no formulas is left alone.
    assert "$2 each" in extract("<html><body><p>Pens cost $2 each, pads $3.</p></body></html>").text


def test_source_fragments_are_what_the_page_wrote():
    frags = source_tex_fragments(WIKIPEDIA)
    assert "{\\displaystyle a^{2}+b^{2}=c^{2}.}" in frags and len(frags) == 5
    assert sorted(source_tex_fragments(ASCIIMATH)) == ["V = \\frac{4}{3}\\pi r^3"]


def test_tex_image_urls():
    assert tex_from_image_url("https://latex.codecogs.com/png.latex?\\dpi{120}&space;\\binom{n}{k}") == "\\binom{n}{k}"
    assert tex_from_image_url("https://s0.wp.com/latex.php?latex=%5Cfrac%7B1%7D%7B2%7D&bg=ffffff&s=0") == "\\frac{1}{2}"
    assert tex_from_image_url("/cgi-bin/mimetex.cgi?%5Csqrt%7Bx%7D") == "\\sqrt{x}"
    assert tex_from_image_url("https://example.org/photo.jpg") == ""


# ---------------------------------------------------------------------------------------------
# MathML conversion, element by element
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "mathml, latex",
    [
        ("<mi>x</mi><mo>+</mo><mn>1</mn>", "x+1"),
        ("<mi>a</mi><mtext> </mtext><mi>b</mi>", "a\\ b"),
        ("<mfrac><mi>a</mi><mrow><mi>b</mi><mo>+</mo><mi>c</mi></mrow></mfrac>", "\\frac{a}{b+c}"),
        ("<msup><mrow><mo>(</mo><mi>a</mi><mo>+</mo><mi>b</mi><mo>)</mo></mrow><mn>2</mn></msup>", "(a+b)^{2}"),
        ("<msup><mrow><mi>a</mi><mo>+</mo><mi>b</mi></mrow><mn>2</mn></msup>", "{a+b}^{2}"),
        ("<msub><mi>a</mi><mrow><mi>i</mi><mi>j</mi></mrow></msub>", "a_{ij}"),
        ("<msubsup><mo>&int;</mo><mn>0</mn><mn>1</mn></msubsup>", "\\int_{0}^{1}"),
        ("<msqrt><mn>2</mn></msqrt>", "\\sqrt{2}"),
        ("<mroot><mi>x</mi><mi>n</mi></mroot>", "\\sqrt[n]{x}"),
        ("<mover><mi>x</mi><mo>&#x00AF;</mo></mover>", "\\bar{x}"),
        ("<mover accent='true'><mrow><mi>A</mi><mi>B</mi></mrow><mo>&rarr;</mo></mover>", "\\overrightarrow{AB}"),
        ("<mover><mi>x</mi><mo>^</mo></mover>", "\\hat{x}"),
        ("<munder><mo>lim</mo><mrow><mi>n</mi><mo>&rarr;</mo><mi>&infin;</mi></mrow></munder>", "\\lim_{n\\to\\infty}"),
        ("<munder><mi>x</mi><mo>&#x23DF;</mo></munder>", "\\underbrace{x}"),
        ("<munderover><mo>&prod;</mo><mi>i</mi><mi>n</mi></munderover>", "\\prod_{i}^{n}"),
        ("<munderover><mi>A</mi><mi>b</mi><mi>c</mi></munderover>", "\\overset{c}{\\underset{b}{A}}"),
        ("<mfenced><mi>a</mi><mi>b</mi></mfenced>", "\\left(a,b\\right)"),
        ("<mfenced open='{' close=''><mi>x</mi></mfenced>", "\\left\\{x\\right."),
        ("<mtable><mtr><mtd><mi>a</mi></mtd><mtd><mi>b</mi></mtd></mtr></mtable>", "\\begin{matrix}a & b\\end{matrix}"),
        ("<mtext>if </mtext><mi>x</mi><mo>&gt;</mo><mn>0</mn>", "\\text{if }x>0"),
        ("<mi>sin</mi><mo>&ApplyFunction;</mo><mi>&theta;</mi>", "\\sin\\theta"),
        ("<mi>&alpha;</mi><mi>x</mi>", "\\alpha x"),
        ("<mi>&#x1D465;</mi><mo>&#x2208;</mo><mi>&#x211D;</mi>", "x\\in\\mathbb{R}"),
        ("<mi mathvariant='bold'>v</mi>", "\\mathbf{v}"),
        ("<mi>exp</mi>", "\\exp"),
        ("<mi>rank</mi>", "\\mathrm{rank}"),
        ("<mn>3.14</mn>", "3.14"),
        ("<mo>{</mo><mi>x</mi><mo>}</mo>", "\\{x\\}"),
        ("<mspace width='thickmathspace'/><mi>x</mi>", "\\;x"),
        ("<mmultiscripts><mi>C</mi><mi>k</mi><none/><mprescripts/><mi>n</mi><none/></mmultiscripts>", "{}_{n}^{}C_{k}^{}"),
        ("<menclose notation='box'><mi>x</mi></menclose>", "\\boxed{x}"),
        ("<mfrac linethickness='0'><mi>n</mi><mi>k</mi></mfrac>", "\\genfrac{}{}{0pt}{}{n}{k}"),
        ("<mi>x</mi><mo>&le;</mo><mi>y</mi><mo>&ne;</mo><mi>z</mi><mo>&pm;</mo><mn>1</mn>", "x\\le y\\neq z\\pm1"),
    ],
)
def test_mathml_conversion(mathml, latex):
    assert mathml_to_latex(f"<math>{mathml}</math>") == latex


def test_mathml_script_and_broken_mathml():
    html = '<p>x is <script type="math/mml"><math><msup><mi>x</mi><mn>2</mn></msup></math></script>.</p>'
    assert "x is $x^{2}$." in extract_fast(html).text
    # unclosed tags, stray text and an unknown element: the HTML parser recovers, we convert
    broken = "<p>Broken: <math><mfrac><mi>a<mi>b</mfrac><mo>+<foo>c</foo></math> end</p>"
    ex = extract_fast(broken)
    assert ex.text.startswith("Broken: $\\frac{") and "end" in ex.text and ex.tex_fragments == 1


# ---------------------------------------------------------------------------------------------
# Pathological pages finish within their bound and fall back instead of hanging
# ---------------------------------------------------------------------------------------------
@pytest.mark.timeout(180)  # a hang guard, not a timing assert
def test_ten_megabyte_page():
    para = "<p>Let $x_i$ be <script type=\"math/tex\">y^2</script> and <math><mi>z</mi></math> text.</p>\n"
    html = "<html><body>" + para * (10_000_000 // len(para)) + "</body></html>"
    assert len(html) >= 9_900_000
    ex = extract_fast(html)
    # either everything was rewritten or the budget ran out and the page still came through
    assert ex.fallback in (None, "time_budget")
    assert "Let $x_i$ be" in ex.text
    if ex.fallback is None:
        assert ex.text.count("$y^2$") == 10_000_000 // len(para)


@pytest.mark.timeout(180)  # a hang guard, not a timing assert
def test_deep_nesting():
    depth = 5000
    html = "<html><body>" + "<div>" * depth + "<p>deep $a+b$ <sup>2</sup></p>" + "</div>" * depth + "</body></html>"
    assert "deep $a+b$" in extract_fast(html).text
    math = "<p><math>" + "<mrow>" * depth + "<mi>x</mi>" + "</mrow>" * depth + "</math> tail</p>"
    ex = extract_fast(math)
    assert ex.fallback == "mathml_too_complex"
    assert "$x$ tail" in ex.text  # falls back to the formula's text


ADVERSARIAL = {  # unclosed elements and delimiters by the ten thousand: linear work, never quadratic
    "unclosed mjx-container": "<p>" + "<mjx-container><math><mi>x</mi>" * 20000,
    "unclosed math scripts": "<p>$x$ " + '<script type="math/tex">x' * 20000,
    "unclosed katex spans": "<p>" + '<span class="katex"><math><mi>x</mi>' * 20000,
    "stray quotes in sup": "<p>" + '<sup class="a>2 text ' * 20000,
    "open display brackets": "<p>" + "\\[ x " * 200000,
    "open environments": "<p>" + "\\begin{equation} x " * 100000,
    "open attribute quotes": "<p>" + '<math a="' * 100000,
    "unclosed comments": "<p>$x$ <!-- " * 20000,
    "unclosed annotations": "<math>" + '<annotation encoding="application/x-tex">x' * 50000 + "</math>",
}


@pytest.mark.timeout(180)  # a hang guard, not a timing assert
@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
def test_adversarial_markup_finishes(name):
    html = ADVERSARIAL[name]
    ex = extract_fast(html)
    assert ex.fallback in (None, "time_budget", "mathml_too_complex")
    assert isinstance(count_math_markup(html), dict)


@pytest.mark.timeout(180)  # a hang guard, not a timing assert
def test_time_budget_stops_the_rewrite():
    html = "<body>" + '<p><script type="math/tex">x</script></p>' * 20000 + "</body>"
    out, report = rewrite_math(html, time_budget_s=1e-6)
    assert report.fallback == "time_budget"
    assert report.converted < 20000
    assert out == html  # stopped before any edit was applied: the page goes through as it was
    out, report = rewrite_math(html)
    assert report.fallback is None and out.count("$x$") == 20000


# ---------------------------------------------------------------------------------------------
# The real MathJax example page (allenai/dolma test data)
# ---------------------------------------------------------------------------------------------
def _warc_pages(path: Path) -> dict[str, str]:
    from warcio.archiveiterator import ArchiveIterator

    pages = {}
    with gzip.open(path, "rb") as f:
        for rec in ArchiveIterator(f):
            if rec.rec_type == "response":
                pages[rec.rec_headers.get_header("WARC-Target-URI")] = rec.content_stream().read().decode("utf-8")
    return pages


def test_dolma_mathjax_example_page(shared_data):
    path = shared_data / "warc" / "dolma__science-0.warc.gz"
    if not path.exists():
        pytest.skip(f"{path} is absent")
    pages = _warc_pages(path)
    html = pages["http://localhost:8000/math.html"]
    assert count_math_markup(html) == {"tex_delimited": 2}
    for extract in (extract_fast, extract_precise):
        text = extract(html).text
        assert "\\( E = mc^2 \\)" in text
        assert "\\int_{a}^{b} f(x) \\,dx = F(b) - F(a)" in " ".join(text.split())
        assert tex_retention(html, text) == (2, 2)
    other = pages["http://localhost:8000/taylor.html"]
    assert count_math_markup(other) == {}
    assert extract_fast(other).tex_fragments == 0
