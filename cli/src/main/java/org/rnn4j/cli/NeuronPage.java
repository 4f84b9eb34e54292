package org.rnn4j.cli;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.rnn4j.ActivationTrace;

/**
 * The neuron viewer: one self-contained HTML page (inline CSS and JS, no network) showing a text
 * coloured per character by one neuron's activation — red for −1, white for 0, blue for +1 — with
 * a picker for the layer, the series (hidden, cell, each gate) and the neuron, and a heat map of all
 * neurons × steps. Gate values (0..1) are shown as 2v − 1 so that 0.5 is white; cell states
 * through tanh so that they stay in −1..1.
 */
final class NeuronPage {
  private NeuronPage() {
  }

  static String render(String title, int[] codePoints, ActivationTrace trace, int initialLayer, String initialSeries,
      int initialNeuron) {
    StringBuilder data = new StringBuilder("{\"text\":[");
    for (int i = 0; i < codePoints.length; i++) {
      data.append(i == 0 ? "" : ",").append(jsonString(new String(Character.toChars(codePoints[i]))));
    }
    data.append("],\"steps\":").append(trace.steps()).append(",\"series\":[");
    boolean first = true;
    for (ActivationTrace.Slot slot : trace.slots()) {
      for (Map.Entry<String, float[]> e : slot.series().entrySet()) {
        String kind = e.getKey();
        int units = e.getValue().length / trace.steps();
        String mode = switch (kind) {
          case "input", "forget", "output", "reset", "update" -> "gate";
          case "cell" -> "tanh";
          default -> "raw";
        };
        data.append(first ? "" : ",").append("{\"layer\":").append(slot.layer()).append(",\"direction\":")
            .append(slot.direction()).append(",\"name\":").append(jsonString(kind)).append(",\"mode\":\"")
            .append(mode).append("\",\"units\":").append(units).append(",\"values\":[");
        float[] v = e.getValue();
        for (int i = 0; i < v.length; i++) {
          data.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT, "%.4g", v[i]));
        }
        data.append("]}");
        first = false;
      }
    }
    data.append("],\"initial\":{\"layer\":").append(initialLayer).append(",\"series\":")
        .append(jsonString(initialSeries)).append(",\"neuron\":").append(initialNeuron).append("}}");
    return TEMPLATE.replace("%TITLE%", escapeHtml(title)).replace("%DATA%", data.toString().replace("</", "<\\/"));
  }

  static String jsonString(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20 || c == 0x2028 || c == 0x2029) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }

  static String escapeHtml(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }

  /** The colour of a shown value v in −1..1, as the page computes it (for tests). */
  static int[] rgb(double v) {
    double x = Math.max(-1, Math.min(1, v));
    return x < 0 ? new int[] {255, (int) Math.round(255 * (1 + x)), (int) Math.round(255 * (1 + x))}
        : new int[] {(int) Math.round(255 * (1 - x)), (int) Math.round(255 * (1 - x)), 255};
  }

  static final List<String> GATES = List.of("input", "forget", "output", "reset", "update");

  private static final String TEMPLATE = """
      <!DOCTYPE html>
      <html lang="en"><head><meta charset="utf-8"><title>%TITLE%</title>
      <style>
      body{font-family:sans-serif;margin:16px;color:#222}
      h1{font-size:18px;margin:0 0 8px}
      #controls{display:flex;gap:14px;align-items:center;flex-wrap:wrap;margin-bottom:10px}
      #text{font-family:monospace;font-size:14px;line-height:1.6;white-space:pre-wrap;word-break:break-all;
        border:1px solid #ccc;padding:8px;max-height:420px;overflow:auto}
      #text span.c{padding:1px 0}
      #legend{display:inline-block;width:160px;height:12px;vertical-align:middle;
        background:linear-gradient(to right,rgb(255,0,0),rgb(255,255,255),rgb(0,0,255));border:1px solid #999}
      #heat{border:1px solid #ccc;image-rendering:pixelated;width:100%;height:240px;margin-top:10px}
      #info{font-family:monospace;min-height:1.2em}
      </style></head><body>
      <h1>%TITLE%</h1>
      <div id="controls">
        <label>layer <select id="layer"></select></label>
        <label>series <select id="series"></select></label>
        <label>neuron <input id="neuron" type="number" min="0" value="0" style="width:5em">
          <input id="slider" type="range" min="0" value="0"></label>
        <span>−1 <span id="legend"></span> +1</span>
      </div>
      <div id="info"></div>
      <div id="text"></div>
      <canvas id="heat"></canvas>
      <script id="data" type="application/json">%DATA%</script>
      <script>
      (function(){
        const D = JSON.parse(document.getElementById('data').textContent);
        const layerSel = document.getElementById('layer'), seriesSel = document.getElementById('series');
        const neuronIn = document.getElementById('neuron'), slider = document.getElementById('slider');
        const textDiv = document.getElementById('text'), info = document.getElementById('info');
        const slots = [...new Set(D.series.map(s => s.layer + ':' + s.direction))];
        slots.forEach(k => { const [l, d] = k.split(':'); const o = document.createElement('option');
          o.value = k; o.textContent = 'layer ' + l + (d === '1' ? ' (reverse)' : ''); layerSel.appendChild(o); });
        function shown(s, v) { return s.mode === 'gate' ? 2 * v - 1 : s.mode === 'tanh' ? Math.tanh(v) : v; }
        function color(v) { const x = Math.max(-1, Math.min(1, v));
          return x < 0 ? 'rgb(255,' + Math.round(255 * (1 + x)) + ',' + Math.round(255 * (1 + x)) + ')'
                       : 'rgb(' + Math.round(255 * (1 - x)) + ',' + Math.round(255 * (1 - x)) + ',255)'; }
        function current() { return D.series.find(s => (s.layer + ':' + s.direction) === layerSel.value
          && s.name === seriesSel.value); }
        function fillSeries() { const keep = seriesSel.value; seriesSel.innerHTML = '';
          D.series.filter(s => (s.layer + ':' + s.direction) === layerSel.value).forEach(s => {
            const o = document.createElement('option'); o.value = s.name; o.textContent = s.name;
            seriesSel.appendChild(o); });
          if ([...seriesSel.options].some(o => o.value === keep)) seriesSel.value = keep; }
        const spans = D.text.map((ch, t) => { const sp = document.createElement('span'); sp.className = 'c';
          sp.dataset.step = t; sp.textContent = ch === '\\n' ? '\\u21b5\\n' : ch; textDiv.appendChild(sp); return sp; });
        function draw() {
          const s = current(); if (!s) return;
          const n = Math.max(0, Math.min(s.units - 1, parseInt(neuronIn.value || '0', 10)));
          neuronIn.max = slider.max = s.units - 1; neuronIn.value = slider.value = n;
          spans.forEach((sp, t) => { const v = s.values[t * s.units + n]; const x = shown(s, v);
            sp.style.backgroundColor = color(x); sp.dataset.value = v; sp.title = s.name + '[' + n + '] = ' + v; });
          info.textContent = 'layer ' + s.layer + (s.direction ? ' reverse' : '') + ', ' + s.name + ', neuron ' + n
            + ' of ' + s.units + (s.mode === 'gate' ? ' (gate: 0..1 shown as 2v-1)' : s.mode === 'tanh'
              ? ' (cell state shown through tanh)' : '');
          const c = document.getElementById('heat'); c.width = D.steps; c.height = s.units;
          const g = c.getContext('2d'); const img = g.createImageData(D.steps, s.units);
          for (let u = 0; u < s.units; u++) for (let t = 0; t < D.steps; t++) {
            const x = Math.max(-1, Math.min(1, shown(s, s.values[t * s.units + u]))); const i = 4 * (u * D.steps + t);
            img.data[i] = x < 0 ? 255 : Math.round(255 * (1 - x)); img.data[i + 1] = Math.round(255 * (1 - Math.abs(x)));
            img.data[i + 2] = x > 0 ? 255 : Math.round(255 * (1 + x)); img.data[i + 3] = 255; }
          g.putImageData(img, 0, 0);
        }
        layerSel.value = D.initial.layer + ':0'; fillSeries();
        if ([...seriesSel.options].some(o => o.value === D.initial.series)) seriesSel.value = D.initial.series;
        neuronIn.value = D.initial.neuron;
        layerSel.onchange = () => { fillSeries(); draw(); };
        seriesSel.onchange = draw; neuronIn.oninput = draw;
        slider.oninput = () => { neuronIn.value = slider.value; draw(); };
        draw();
        document.body.dataset.ready = 'true';
      })();
      </script></body></html>
      """;
}
