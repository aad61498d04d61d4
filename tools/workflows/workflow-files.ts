import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { WORKSPACE_ROOT } from '@codebuff/testing/workspace';

export const WORKFLOWS_DIR = join(WORKSPACE_ROOT, '.github', 'workflows');

/** The parts of a workflow these checks read; everything else stays `unknown`. */
export interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  if?: string;
  shell?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
}

export interface Job {
  name?: string;
  if?: string;
  needs?: string | string[];
  environment?: string | { name: string };
  permissions?: Record<string, string> | string;
  env?: Record<string, unknown>;
  steps?: Step[];
  [key: string]: unknown;
}

export interface Workflow {
  name?: string;
  on: Record<string, unknown>;
  permissions?: Record<string, string> | string;
  concurrency?: { group: string; 'cancel-in-progress'?: boolean | string };
  env?: Record<string, unknown>;
  jobs: Record<string, Job>;
}

export interface WorkflowFile {
  /** File name, e.g. ci.yml. */
  name: string;
  path: string;
  text: string;
  workflow: Workflow;
}

export function parseWorkflow(text: string): Workflow {
  return parse(text) as Workflow;
}

export function readWorkflows(dir = WORKFLOWS_DIR): WorkflowFile[] {
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((name) => {
      const path = join(dir, name);
      const text = readFileSync(path, 'utf8');
      return { name, path, text, workflow: parseWorkflow(text) };
    });
}

/** Every `run:` script of a workflow, with where it is. */
export function runScripts(workflow: Workflow): Array<{ job: string; step: string; script: string }> {
  return Object.entries(workflow.jobs).flatMap(([job, definition]) =>
    (definition.steps ?? []).flatMap((step, i) =>
      step.run === undefined ? [] : [{ job, step: step.name ?? step.id ?? `step ${i + 1}`, script: step.run }],
    ),
  );
}
