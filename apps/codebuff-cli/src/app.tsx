import { useKeyboard } from '@opentui/react';

/** The line a person (and the pty test) sees first once the screen is up. */
export const bootLine = (version: string) => `Codebuff ${version} is ready`;

export function App(props: { version: string; lines: readonly string[]; onQuit: () => void }) {
  useKeyboard((key) => {
    if (key.name === 'q' || key.name === 'escape') props.onQuit();
  });
  return (
    <box flexDirection="column" borderStyle="rounded" padding={1} title="codebuff">
      <text>{bootLine(props.version)}</text>
      {props.lines.map((line) => (
        <text key={line}>{line}</text>
      ))}
    </box>
  );
}
