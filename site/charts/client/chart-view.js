// Progressive enhancement for chart pages and embeds: every element with data-vega-spec="ID"
// gets an interactive Vega view (hover tooltips) drawn from the JSON data block with that id.
// Served from 'self' (no inline script). Without JavaScript the server-rendered SVG and the
// data table carry the same information.
(function () {
  'use strict';
  if (typeof vega === 'undefined' || typeof vegaLite === 'undefined') return;

  function text(value) {
    if (value === null || value === undefined) return 'suppressed';
    if (typeof value === 'number') return value.toLocaleString('en-US');
    return String(value);
  }

  function makeTooltip(holder) {
    var tip = document.createElement('div');
    tip.className = 'vega-tip';
    tip.setAttribute('role', 'status');
    tip.hidden = true;
    holder.appendChild(tip);
    return function (_handler, event, _item, value) {
      if (value === null || value === undefined || value === '') {
        tip.hidden = true;
        return;
      }
      tip.textContent = '';
      if (typeof value === 'object') {
        Object.keys(value).forEach(function (key) {
          var line = document.createElement('div');
          var b = document.createElement('b');
          b.textContent = key + ': ';
          line.appendChild(b);
          line.appendChild(document.createTextNode(text(value[key])));
          tip.appendChild(line);
        });
      } else {
        tip.textContent = text(value);
      }
      var box = holder.getBoundingClientRect();
      var x = Math.max(0, Math.min(event.clientX - box.left + 12, box.width - 200));
      tip.style.left = x + 'px';
      tip.style.top = event.clientY - box.top + 12 + 'px';
      tip.hidden = false;
    };
  }

  document.querySelectorAll('[data-vega-spec]').forEach(function (holder) {
    var source = document.getElementById(holder.getAttribute('data-vega-spec'));
    if (!source) return;
    var spec;
    try {
      spec = JSON.parse(source.textContent);
    } catch (e) {
      return;
    }
    var target = document.createElement('div');
    target.className = 'vega-target';
    var placeholder = holder.querySelector('[data-vega-placeholder]');
    if (placeholder) placeholder.remove();
    holder.insertBefore(target, holder.firstChild);
    var compiled = vegaLite.compile(spec).spec;
    var view = new vega.View(vega.parse(compiled), {
      renderer: 'svg',
      container: target,
      hover: true,
      tooltip: makeTooltip(holder),
    });
    view
      .runAsync()
      .then(function () {
        var svg = target.querySelector('svg');
        if (svg) {
          svg.setAttribute('role', 'img');
          svg.setAttribute('aria-label', holder.getAttribute('data-label') || 'Interactive chart');
        }
        holder.setAttribute('data-vega-ready', 'true');
      })
      .catch(function (err) {
        holder.setAttribute('data-vega-error', String(err && err.message));
      });
  });
})();
