// Outcome scores over a course (PHQ-9, GAD-7): severity bands, the response and remission lines,
// infusion dates, and flagged answers.
import { uPlot, chartWidth, seconds, band, horizontalLine, verticalLine, markDrawn } from './common.js';

export const PHQ9_BANDS = [
  { from: 0, to: 4.5, label: 'minimal', color: 'rgba(46, 139, 87, 0.10)' },
  { from: 4.5, to: 9.5, label: 'mild', color: 'rgba(154, 205, 50, 0.14)' },
  { from: 9.5, to: 14.5, label: 'moderate', color: 'rgba(255, 215, 0, 0.16)' },
  { from: 14.5, to: 19.5, label: 'moderately severe', color: 'rgba(255, 140, 0, 0.16)' },
  { from: 19.5, to: 27, label: 'severe', color: 'rgba(220, 20, 60, 0.14)' },
];

export const GAD7_BANDS = [
  { from: 0, to: 4.5, label: 'minimal', color: 'rgba(46, 139, 87, 0.10)' },
  { from: 4.5, to: 9.5, label: 'mild', color: 'rgba(154, 205, 50, 0.14)' },
  { from: 9.5, to: 14.5, label: 'moderate', color: 'rgba(255, 215, 0, 0.16)' },
  { from: 14.5, to: 21, label: 'severe', color: 'rgba(220, 20, 60, 0.14)' },
];

/**
 * points: [{time, value}] oldest first; lines: [{value, label, color}]; infusions: [iso times];
 * flagged: [iso times] drawn as red rings (PHQ-9 item 9 above 0).
 */
export function scoreChart(container, { label, max, bands, points, lines = [], infusions = [], flagged = [] }) {
  const xs = points.map((p) => seconds(p.time));
  const ys = points.map((p) => p.value);
  const allTimes = [...xs, ...infusions.map(seconds)];
  const pad = 2 * 86400;
  const opts = {
    width: chartWidth(container), height: 260, title: label,
    scales: { x: { time: true, range: () => [Math.min(...allTimes) - pad, Math.max(...allTimes) + pad] }, y: { range: [0, max] } },
    axes: [{}, { label: 'score' }],
    series: [{}, { label, stroke: '#1f4e99', width: 2, points: { size: 8, fill: '#1f4e99' } }],
    legend: { show: true },
    hooks: {
      drawClear: [(u) => bands.forEach((b) => band(u, 'y', b.from, b.to, b.color, b.label))],
      draw: [
        (u) => {
          infusions.forEach((t, i) => verticalLine(u, seconds(t), i === 0 ? 'infusions' : '', '#6b4fa0', [2, 3]));
          lines.forEach((l) => horizontalLine(u, l.value, 'y', l.label, l.color));
          const ctx = u.ctx;
          for (const t of flagged) {
            const point = points.find((p) => p.time === t);
            if (!point) continue;
            ctx.save();
            ctx.strokeStyle = '#b00020';
            ctx.lineWidth = 3 * devicePixelRatio;
            ctx.beginPath();
            ctx.arc(u.valToPos(seconds(t), 'x', true), u.valToPos(point.value, 'y', true), 9 * devicePixelRatio, 0, 2 * Math.PI);
            ctx.stroke();
            ctx.restore();
          }
        },
        markDrawn(container),
      ],
    },
  };
  return new uPlot(opts, [xs, ys], container);
}
