/**
 * THE list of runner images GitHub has retired and of Node.js release lines with their end of
 * life: the one place the workflow rules read them from. A job that asks for a retired image
 * queues and never starts (macos-13 on 2025-12-04 stopped every release); a Node line past its
 * end of life gets no security fixes. Add a row when GitHub or Node announces a date: the
 * rules start refusing the label or line on that day.
 */

/** Runner labels and the day GitHub retired (or retires) their image. From GitHub's runner-images announcements. */
export const RUNNER_RETIREMENTS: Readonly<Record<string, string>> = {
  'ubuntu-18.04': '2023-04-03',
  'macos-11': '2024-06-28',
  'macos-12': '2024-12-03',
  'ubuntu-20.04': '2025-04-15',
  'windows-2019': '2025-06-30',
  'macos-13': '2025-12-04',
  'macos-13-large': '2025-12-04',
  'macos-13-xlarge': '2025-12-04',
};

/** Node.js release lines (major) and their end of life. From the Node.js release schedule. */
export const NODE_END_OF_LIFE: Readonly<Record<number, string>> = {
  16: '2023-09-11',
  18: '2025-04-30',
  19: '2023-06-01',
  20: '2026-04-30',
  21: '2024-06-01',
  22: '2027-04-30',
  23: '2025-06-01',
  24: '2028-04-30',
};

const today = () => new Date().toISOString().slice(0, 10);

/** Why a runner label cannot be used on `on` (YYYY-MM-DD), or undefined when it can. */
export function retiredRunner(label: string, on = today()): string | undefined {
  const retired = RUNNER_RETIREMENTS[label];
  return retired !== undefined && retired <= on ? `runner image ${label} was retired on ${retired}` : undefined;
}

/**
 * Why a setup-node `node-version` cannot be used on `on`, or undefined when it can. Only a
 * major line with a known end of life in the future passes: `lts/*`, `latest` or a range would
 * move under the workflow unseen.
 */
export function unsupportedNode(version: unknown, on = today()): string | undefined {
  const major = /^v?(\d+)(\.[\dx*]+){0,2}$/.exec(String(version ?? ''))?.[1];
  if (major === undefined) return `node-version "${String(version ?? '')}" is not a Node.js release line such as 24`;
  const endOfLife = NODE_END_OF_LIFE[Number(major)];
  if (endOfLife === undefined) return `Node.js ${major} has no end-of-life date in tools/workflows/support-dates.ts`;
  return endOfLife <= on ? `Node.js ${major} reached end of life on ${endOfLife}` : undefined;
}
