// What the two chart kinds share: uPlot's size, time axis, and drawing helpers on its canvas.
import { uPlot } from '../vendor.js';

export { uPlot };

export function chartWidth(container) {
  return Math.max(480, Math.min(1200, (container.clientWidth || container.parentElement?.clientWidth || 900) - 8));
}

export function seconds(iso) {
  return Math.floor(new Date(iso).getTime() / 1000);
}

/** A vertical line across the plot at time t (seconds), labelled at the top. */
export function verticalLine(u, t, label, color, dash = [6, 4]) {
  const x = u.valToPos(t, 'x', true);
  if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) return;
  const ctx = u.ctx;
  ctx.save();
  ctx.strokeStyle = color;
  ctx.lineWidth = 2 * devicePixelRatio;
  ctx.setLineDash(dash.map((d) => d * devicePixelRatio));
  ctx.beginPath();
  ctx.moveTo(x, u.bbox.top);
  ctx.lineTo(x, u.bbox.top + u.bbox.height);
  ctx.stroke();
  if (label) {
    ctx.setLineDash([]);
    ctx.fillStyle = color;
    ctx.font = `${12 * devicePixelRatio}px sans-serif`;
    ctx.fillText(label, x + 4 * devicePixelRatio, u.bbox.top + 14 * devicePixelRatio);
  }
  ctx.restore();
}

/** A horizontal line at value v of scale `scale`, labelled at the right. */
export function horizontalLine(u, v, scale, label, color, dash = [8, 4]) {
  const y = u.valToPos(v, scale, true);
  const ctx = u.ctx;
  ctx.save();
  ctx.strokeStyle = color;
  ctx.lineWidth = 2 * devicePixelRatio;
  ctx.setLineDash(dash.map((d) => d * devicePixelRatio));
  ctx.beginPath();
  ctx.moveTo(u.bbox.left, y);
  ctx.lineTo(u.bbox.left + u.bbox.width, y);
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.fillStyle = color;
  ctx.font = `${12 * devicePixelRatio}px sans-serif`;
  const width = ctx.measureText(label).width;
  ctx.fillText(label, u.bbox.left + u.bbox.width - width - 4 * devicePixelRatio, y - 4 * devicePixelRatio);
  ctx.restore();
}

/** A shaded band between two values of the y scale, or two times of the x scale. */
export function band(u, axis, from, to, color, label) {
  const ctx = u.ctx;
  ctx.save();
  ctx.fillStyle = color;
  if (axis === 'x') {
    const x0 = Math.max(u.bbox.left, u.valToPos(from, 'x', true));
    const x1 = Math.min(u.bbox.left + u.bbox.width, u.valToPos(to, 'x', true));
    if (x1 > x0) {
      ctx.fillRect(x0, u.bbox.top, x1 - x0, u.bbox.height);
      if (label) {
        ctx.fillStyle = '#333';
        ctx.font = `${11 * devicePixelRatio}px sans-serif`;
        ctx.fillText(label, x0 + 4 * devicePixelRatio, u.bbox.top + u.bbox.height - 6 * devicePixelRatio);
      }
    }
  } else {
    const y0 = u.valToPos(to, axis, true);
    const y1 = u.valToPos(from, axis, true);
    ctx.fillRect(u.bbox.left, y0, u.bbox.width, y1 - y0);
    if (label) {
      ctx.fillStyle = '#333';
      ctx.font = `${11 * devicePixelRatio}px sans-serif`;
      ctx.fillText(label, u.bbox.left + 4 * devicePixelRatio, y1 - 4 * devicePixelRatio);
    }
  }
  ctx.restore();
}

/** Marks the chart's container once uPlot has drawn it (what the tests and the benchmark wait for). */
export function markDrawn(container) {
  return (u) => {
    container.dataset.drawn = 'true';
  };
}
