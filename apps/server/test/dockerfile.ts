// Reads the repository's Dockerfile into its stages and instructions, so the tests can run what it
// says (its build commands, its health check, its command) without a container engine.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface Instruction {
  /** Upper case: RUN, COPY, ENV, ... */
  keyword: string;
  /** Everything after the keyword, continuation lines joined. */
  args: string;
}

export interface Stage {
  image: string;
  name: string | undefined;
  instructions: Instruction[];
}

/** The stages of a Dockerfile, in order; comments and parser directives left out. */
export function readDockerfile(path = `${REPO_ROOT}Dockerfile`): Stage[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  const instructions: Instruction[] = [];
  let pending = '';
  for (const line of lines) {
    if (/^\s*#/.test(line)) continue; // comments may sit between continuation lines too
    pending += line.trim();
    if (pending.endsWith('\\')) {
      pending = `${pending.slice(0, -1).trimEnd()} `;
      continue;
    }
    const match = /^(\w+)\s+([\s\S]*)$/.exec(pending);
    if (match?.[1] && match[2] !== undefined) {
      instructions.push({ keyword: match[1].toUpperCase(), args: match[2].trim() });
    }
    pending = '';
  }
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const [image = '', as, name] = instruction.args.split(/\s+/);
      stages.push({ image, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return stages;
}

export function stageNamed(stages: Stage[], name: string): Stage {
  const stage = stages.find((candidate) => candidate.name === name);
  if (!stage) throw new Error(`Dockerfile: no stage named ${name}`);
  return stage;
}

/** The arguments of every instruction with this keyword in the stage. */
export function argsOf(stage: Stage, keyword: string): string[] {
  return stage.instructions
    .filter((instruction) => instruction.keyword === keyword)
    .map((instruction) => instruction.args);
}

/** The variables ENV sets in the stage (`ENV A=1 B=2` form). */
export function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const args of argsOf(stage, 'ENV')) {
    for (const [, name, value] of args.matchAll(/(\w+)=("[^"]*"|\S+)/g)) {
      if (name && value !== undefined) env[name] = value.replace(/^"|"$/g, '');
    }
  }
  return env;
}

/** An exec-form (JSON array) command: CMD, ENTRYPOINT, or what follows HEALTHCHECK's options. */
export function execForm(args: string): string[] {
  const json = args.slice(args.indexOf('['));
  const parsed: unknown = JSON.parse(json);
  if (!Array.isArray(parsed) || !parsed.every((part) => typeof part === 'string')) {
    throw new Error(`not an exec-form command: ${args}`);
  }
  return parsed;
}
