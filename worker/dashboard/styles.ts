export const styles = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; }
h1 { font-size: 20px; margin: 0 0 4px; }
h2 { font-size: 15px; margin: 24px 0 8px; }
.meta { color: #666; font-size: 12px; }
table { border-collapse: collapse; }
th, td { border: 1px solid #ddd; padding: 4px 8px; text-align: right; font-variant-numeric: tabular-nums; }
thead th, tbody th { background: #f6f6f6; text-align: left; }
td.cell { min-width: 72px; text-align: center; }
td.circuit-open { outline: 3px solid #b00020; outline-offset: -3px; }
td.circuit-half_open { outline: 3px dashed #e08000; outline-offset: -3px; }
.badge { display: inline-block; margin-left: 4px; padding: 0 4px; border-radius: 3px; background: #222; color: #fff; font-size: 10px; }
.empty { color: #666; }
svg.spark { display: block; background: #fafafa; }
svg.spark polyline { fill: none; stroke: #2a6fb0; stroke-width: 1.5; }
`;
