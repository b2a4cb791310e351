// One infusion's vital signs over time: heart rate and blood pressure on the left scale, SpO2 and
// respiratory rate on the right; phases shaded, end of infusion and discharge marked, sedation and
// dissociation scores written at their times.
import { uPlot, chartWidth, seconds, band, verticalLine, markDrawn } from './common.js';

export const VITAL_SERIES = [
  { key: 'hr', label: 'Heart rate (/min)', stroke: '#b00020', scale: 'y', dash: [] },
  { key: 'sbp', label: 'Systolic BP (mmHg)', stroke: '#1f4e99', scale: 'y', dash: [] },
  { key: 'dbp', label: 'Diastolic BP (mmHg)', stroke: '#1f4e99', scale: 'y', dash: [6, 4] },
  { key: 'spo2', label: 'SpO2 (%)', stroke: '#00695c', scale: 'pct', dash: [] },
  { key: 'rr', label: 'Resp. rate (/min)', stroke: '#6b4fa0', scale: 'pct', dash: [2, 3] },
];

const PHASE_COLORS = { baseline: 'rgba(120, 144, 156, 0.14)', 'during-infusion': 'rgba(255, 193, 7, 0.20)', recovery: 'rgba(76, 175, 80, 0.14)' };
const PHASE_LABELS = { baseline: 'baseline', 'during-infusion': 'infusion', recovery: 'recovery' };

/**
 * readings: {hr: [{time, value}], ...}; phases: [{code, from, to}] (ISO); markers: [{time, label}];
 * scores: [{time, label}].
 */
export function vitalsChart(container, { readings, phases, markers, scores }) {
  const times = new Set();
  for (const s of VITAL_SERIES) (readings[s.key] || []).forEach((r) => times.add(seconds(r.time)));
  markers.forEach((m) => times.add(seconds(m.time)));
  const xs = [...times].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const data = [xs];
  for (const s of VITAL_SERIES) {
    const ys = new Array(xs.length).fill(null);
    for (const r of readings[s.key] || []) ys[index.get(seconds(r.time))] = r.value;
    data.push(ys);
  }
  const opts = {
    width: chartWidth(container), height: 340,
    scales: { x: { time: true }, y: { range: [0, 200] }, pct: { range: [0, 100] } },
    axes: [{}, { scale: 'y', label: 'mmHg · beats/min' }, { scale: 'pct', side: 1, label: '% · breaths/min', grid: { show: false } }],
    series: [{}, ...VITAL_SERIES.map((s) => ({ label: s.label, stroke: s.stroke, scale: s.scale, width: 2, dash: s.dash, spanGaps: true, points: { size: 5 } }))],
    hooks: {
      drawClear: [(u) => phases.forEach((p) => band(u, 'x', seconds(p.from), seconds(p.to), PHASE_COLORS[p.code] || 'rgba(0,0,0,0.05)', PHASE_LABELS[p.code] || p.code))],
      draw: [
        (u) => {
          markers.forEach((m) => verticalLine(u, seconds(m.time), m.label, '#333'));
          const ctx = u.ctx;
          ctx.save();
          ctx.fillStyle = '#5d4037';
          ctx.font = `bold ${11 * devicePixelRatio}px sans-serif`;
          scores.forEach((s, i) => {
            const x = u.valToPos(seconds(s.time), 'x', true);
            ctx.fillText(s.label, x + 3 * devicePixelRatio, u.bbox.top + (30 + (i % 2) * 14) * devicePixelRatio);
          });
          ctx.restore();
        },
        markDrawn(container),
      ],
    },
  };
  return new uPlot(opts, data, container);
}
