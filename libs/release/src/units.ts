/**
 * How sizes and durations are printed, by the upload and by the npm launcher alike: binary units
 * (`12.0 MiB`) and compact durations (`850 ms`, `42s`, `5m03s`).
 */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--';
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  const whole = Math.ceil(seconds);
  return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s`;
}

/** A limit or a wait: milliseconds below a second, else as formatSeconds. */
export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : formatSeconds(Math.round(ms / 1000));
}

/**
 * One transfer's progress, as both the upload and the npm launcher draw it:
 * `12.0 MiB / 50.0 MiB  24%  8.1 MiB/s  5s left` (rate and time left once a rate is known).
 */
export function transferProgress(sent: number, total: number, bytesPerSecond: number): string {
  const percent = total > 0 ? Math.floor((sent / total) * 100) : 100;
  const speed = bytesPerSecond > 0 ? `  ${formatBytes(bytesPerSecond)}/s  ${formatSeconds((total - sent) / bytesPerSecond)} left` : '';
  return `${formatBytes(sent)} / ${formatBytes(total)}  ${percent}%${speed}`;
}
