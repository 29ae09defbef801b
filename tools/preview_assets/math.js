// Typesets the maths of a page of the offline preview (tools/preview.py) with the bundled KaTeX,
// as Quarto's `html-math-method: katex` does: every <span class="math inline|display"> holds
// LaTeX. Macros defined on a page (\def, \newcommand) carry over to its later spans.
// A span KaTeX cannot parse keeps its LaTeX, gets the class math-error and is logged as an error.
document.addEventListener('DOMContentLoaded', function () {
  var macros = {};
  var spans = document.querySelectorAll('span.math');
  for (var i = 0; i < spans.length; i++) {
    var el = spans[i], tex = el.textContent;
    try {
      katex.render(tex, el, {displayMode: el.classList.contains('display'), throwOnError: true,
                             macros: macros, globalGroup: true});
    } catch (e) {
      el.classList.add('math-error');
      el.textContent = tex;
      console.error('KaTeX could not typeset "' + tex + '": ' + e.message);
    }
  }
  document.documentElement.setAttribute('data-math', 'done');
});
