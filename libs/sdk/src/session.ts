import { describeProject } from '@codebuff/common';

/** The lines the CLI's screen opens with for a project folder and a prompt. */
export function sessionLines(cwd: string, prompt: string): string[] {
  return [describeProject(cwd), prompt ? `prompt: ${prompt}` : 'type a prompt, or press q to quit'];
}
