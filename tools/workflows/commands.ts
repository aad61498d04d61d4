/**
 * Reads the commands a workflow's `run:` scripts start and checks that each one names something
 * this repository has: nx projects and targets, npm scripts, local npx binaries, script files.
 * It understands the shell that workflows here are written in (one command per line, `&&`,
 * `||`, `;`, `|`, quotes, `\` continuations, comments, `if … then … fi`), not all of bash.
 */

export interface RepoFacts {
  /** Targets of each Nx project, as Nx reports them. */
  targets: Map<string, Set<string>>;
  /** Options of `project:target`'s executor (its schema's properties); absent when unknown. */
  options: Map<string, Set<string>>;
  /** package.json "scripts". */
  scripts: Set<string>;
  /** Executables in node_modules/.bin (what `npx` runs without downloading). */
  bins: Set<string>;
  /** Whether a path, relative to the repository root, exists. */
  exists(path: string): boolean;
}

const SHELL_KEYWORDS = new Set(['if', 'then', 'else', 'elif', 'fi', 'do', 'done', '!', 'time', 'exec']);

/** The simple commands of a script, each as its words with quotes removed. */
export function simpleCommands(script: string): string[][] {
  const commands: string[][] = [];
  let words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  const endWord = () => {
    if (inWord) words.push(word);
    word = '';
    inWord = false;
  };
  const endCommand = () => {
    endWord();
    while (words.length && SHELL_KEYWORDS.has(words[0])) words.shift();
    if (words.length) commands.push(words);
    words = [];
  };
  for (let i = 0; i < script.length; i++) {
    const c = script[i];
    if (quote) {
      if (c === quote) quote = undefined;
      else word += c;
      continue;
    }
    if (c === '\\' && script[i + 1] === '\n') {
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '#' && !inWord) {
      while (i + 1 < script.length && script[i + 1] !== '\n') i++;
    } else if (c === '\n' || c === ';' || c === '|' || (c === '&' && script[i + 1] === '&')) {
      if (script[i + 1] === c) i++;
      endCommand();
    } else if (c === ' ' || c === '\t') {
      endWord();
    } else {
      word += c;
      inWord = true;
    }
  }
  endCommand();
  return commands;
}

/** Targets named by `-t a b c`, `-t=a,b`, `--targets a,b` or `--target a`. */
function targetList(args: string[]): string[] {
  const targets: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const match = /^(?:-t|--targets?)(?:=(.*))?$/.exec(args[i]);
    if (!match) continue;
    if (match[1] !== undefined) targets.push(...match[1].split(','));
    else for (let j = i + 1; j < args.length && !args[j].startsWith('-'); j++) targets.push(...args[j].split(','));
  }
  return targets.filter(Boolean);
}

/**
 * Flags `nx run` takes for itself, not passed to the executor. `--target` and `--version` are
 * read from the command line by this workspace's plugin hook (tools/executors).
 */
const NX_RUN_FLAGS = new Set([
  'target',
  't',
  'version',
  'configuration',
  'c',
  'project',
  'p',
  'excludeTaskDependencies',
  'skipNxCache',
  'disableNxCache',
  'skipRemoteCache',
  'disableRemoteCache',
  'skipSync',
  'verbose',
  'outputStyle',
  'parallel',
  'nxBail',
  'nxIgnoreCycles',
  'batch',
  'tui',
  'help',
]);

const camel = (flag: string) => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** `--name[=value]` flags of `args` that neither nx run nor the executor knows. */
function unknownFlags(args: string[], options: Set<string>): string[] {
  return args
    .filter((a) => a.startsWith('--') && a.length > 2)
    .map((a) => camel(a.slice(2).split('=')[0].replace(/^no-/, '')))
    .filter((name) => !NX_RUN_FLAGS.has(name) && !options.has(name));
}

function checkNx(args: string[], facts: RepoFacts): string[] {
  const [command, ...rest] = args;
  if (command === 'run') {
    const [project, target] = (rest[0] ?? '').split(':');
    if (!project || !target) return [`nx run needs <project>:<target>, got "${rest[0] ?? ''}"`];
    const targets = facts.targets.get(project);
    if (!targets) return [`nx project "${project}" does not exist`];
    if (!targets.has(target)) return [`nx project "${project}" has no target "${target}"`];
    const options = facts.options.get(`${project}:${target}`);
    if (!options) return [];
    // A misspelt option is passed on and ignored: a misspelt --draft would publish at once.
    return unknownFlags(rest.slice(1), options).map((flag) => `the executor of ${project}:${target} has no option "${flag}"`);
  }
  if (command === 'affected' || command === 'run-many') {
    const targets = targetList(rest);
    if (targets.length === 0) return [`nx ${command} without -t <targets>`];
    const all = new Set([...facts.targets.values()].flatMap((t) => [...t]));
    return targets.filter((t) => !all.has(t)).map((t) => `no nx project has a target "${t}" (nx ${command})`);
  }
  return [`unrecognised nx command "nx ${args.join(' ')}": use nx run, nx affected or nx run-many`];
}

/** The script file `node`/`bun` would run, skipping their own options. */
function scriptFile(args: string[]): string | undefined {
  const takesValue = new Set([
    '--import',
    '-r',
    '--require',
    '--loader',
    '--experimental-loader',
    '--input-type',
    '--env-file',
    '--conditions',
    '-C',
  ]);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '-e' || arg === '--eval' || arg === '-p' || arg === '--print') return undefined;
    if (takesValue.has(arg)) i++;
    else if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}

/** Problems with one simple command; empty when it names only things the repository has. */
export function checkCommand(words: string[], facts: RepoFacts): string[] {
  let i = 0;
  while (i < words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i])) i++;
  const [program, ...args] = words.slice(i);
  switch (program) {
    case 'npx': {
      const bin = args.find((a) => !a.startsWith('-'));
      if (!bin) return ['npx without a command'];
      if (!facts.bins.has(bin)) return [`npx ${bin}: not installed in node_modules/.bin (npx would download it)`];
      return bin === 'nx' ? checkNx(args.slice(args.indexOf(bin) + 1), facts) : [];
    }
    case 'nx':
      return checkNx(args, facts);
    case 'npm': {
      const [sub, name] = args;
      if (sub === 'run' || sub === 'run-script')
        return name && facts.scripts.has(name) ? [] : [`npm run ${name ?? ''}: no such script in package.json`];
      if (sub === 'test' || sub === 'start') return facts.scripts.has(sub) ? [] : [`npm ${sub}: no "${sub}" script in package.json`];
      return [];
    }
    case 'node':
    case 'bun': {
      const file = scriptFile(args);
      if (file === undefined || file.startsWith('$')) return [];
      return facts.exists(file) ? [] : [`${program} ${file}: no such file in the repository`];
    }
    default:
      return [];
  }
}

const ARRAY_ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)(\+?)=\((.*)$/;

/**
 * Every problem in a script, each followed by the command it is about. Bash arrays built in the
 * script (`args=(…)`, `args+=(…)`) are expanded where a command uses `"${args[@]}"`.
 */
export function checkScript(script: string, facts: RepoFacts): string[] {
  const arrays = new Map<string, string[]>();
  const problems: string[] = [];
  for (const words of simpleCommands(script)) {
    const assignment = ARRAY_ASSIGNMENT.exec(words[0]);
    if (assignment) {
      const items = [assignment[3], ...words.slice(1)].filter(Boolean);
      items[items.length - 1] = items[items.length - 1].replace(/\)$/, '');
      arrays.set(assignment[1], [...(assignment[2] ? (arrays.get(assignment[1]) ?? []) : []), ...items.filter(Boolean)]);
      continue;
    }
    const expanded = words.flatMap((w) => {
      const name = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\[@\]\}$/.exec(w)?.[1];
      return name && arrays.has(name) ? arrays.get(name)! : [w];
    });
    problems.push(...checkCommand(expanded, facts).map((p) => `${p} [${expanded.join(' ')}]`));
  }
  return problems;
}
