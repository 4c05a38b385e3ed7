// One line of a transfer's progress, as the CLI and the TUI show it: a bar, the bytes, the
// rate and the time left. Plain text; the caller colours it if it wants.

export const sizeText = (bytes: number): string =>
  bytes >= 1024 ** 3
    ? `${(bytes / 1024 ** 3).toFixed(2)} GiB`
    : bytes >= 1024 ** 2
      ? `${(bytes / 1024 ** 2).toFixed(1)} MiB`
      : `${(bytes / 1024).toFixed(0)} KiB`;

function timeText(s: number): string {
  if (s < 60) return `${Math.ceil(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.round((s % 3600) / 60)).padStart(2, '0')}m`;
}

export interface TransferFigures {
  doneBytes: number;
  totalBytes: number;
  bytesPerS: number;
  etaS: number | null;
}

export function progressBar(fraction: number, width: number): string {
  const n = Math.round(Math.max(0, Math.min(1, fraction)) * width);
  return `[${'█'.repeat(n)}${'░'.repeat(width - n)}]`;
}

/** "[████░░░░] 45%  512.0 MiB of 1.10 GiB  12.3 MiB/s  1m20s left" */
export function transferLine(t: TransferFigures, barWidth = 24): string {
  const fraction = t.totalBytes > 0 ? t.doneBytes / t.totalBytes : 0;
  const parts = [
    `${progressBar(fraction, barWidth)} ${String(Math.floor(fraction * 100)).padStart(3)}%`,
    `${sizeText(t.doneBytes)} of ${t.totalBytes > 0 ? sizeText(t.totalBytes) : '?'}`,
  ];
  if (t.bytesPerS > 0) parts.push(`${sizeText(t.bytesPerS)}/s`);
  if (t.etaS !== null && Number.isFinite(t.etaS)) parts.push(`${timeText(Math.max(0, t.etaS))} left`);
  return parts.join('  ');
}
