import { DashboardJson, DashboardPanelJson } from './dashboard';

const COLUMN = 40;
const ROW = 28;
const MARGIN = 8;

const escapeXml = (text: string) => text.replace(/[<>&"']/g, c => `&#${c.charCodeAt(0)};`);

/**
 * A picture of a dashboard's layout: each panel drawn at its `gridPos` (Grafana's 24-column grid) with its title, its
 * type and the metrics it reads. Deterministic, so a test can keep the README's picture equal to the code.
 * Not exported from the package: only scripts/dashboard-layout.mjs and the tests draw it.
 * @internal
 */
export function dashboardLayoutSvg(dashboard: DashboardJson): string {
  const panels = (dashboard.panels ?? []) as DashboardPanelJson[];
  const rows = Math.max(0, ...panels.map(p => (p.gridPos?.y ?? 0) + (p.gridPos?.h ?? 0)));
  const width = 24 * COLUMN + 2 * MARGIN;
  const height = rows * ROW + 2 * MARGIN + 32;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<rect width="${width}" height="${height}" fill="#111217"/>`,
    `<text x="${MARGIN}" y="${MARGIN + 16}" fill="#ccccdc" font-size="16">${escapeXml(dashboard.title ?? '')}</text>`,
  ];
  for (const p of panels) {
    const g = p.gridPos ?? { x: 0, y: 0, w: 24, h: 8 };
    const x = MARGIN + g.x * COLUMN + 2;
    const y = MARGIN + 32 + g.y * ROW + 2;
    const metrics = [...new Set((p.targets ?? []).flatMap(t => String(t.expr).match(/agentgateway_[a-z_:]+/g) ?? []))];
    parts.push(
      `<rect x="${x}" y="${y}" width="${g.w * COLUMN - 4}" height="${g.h * ROW - 4}" rx="4" fill="#181b1f" stroke="#2c3235"/>`,
      `<text x="${x + 10}" y="${y + 22}" fill="#ccccdc" font-size="14" font-weight="bold">${escapeXml(p.title ?? '')}</text>`,
      `<text x="${x + 10}" y="${y + 42}" fill="#8e8e8e" font-size="11">${escapeXml(`${p.type}, ${p.targets?.length ?? 0} ${p.targets?.length === 1 ? 'query' : 'queries'}`)}</text>`,
      ...metrics.map((m, i) => `<text x="${x + 10}" y="${y + 62 + i * 16}" fill="#73bf69" font-size="11" font-family="monospace">${escapeXml(m)}</text>`),
    );
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
