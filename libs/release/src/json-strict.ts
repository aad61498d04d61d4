import { type ParseError, printParseErrorCode, visit } from 'jsonc-parser';
import { ReleaseError } from './errors';

/**
 * JSON.parse, but a key that appears twice in one object is an error naming it and where it is:
 * JSON.parse keeps the last one silently (`"name": "codebuff", "name": "other"` built other-*).
 * jsonc-parser walks the text (with offsets); JSON.parse then builds the value. Comments and
 * trailing commas stay errors: the file is JSON.
 */
export function parseJsonWithoutDuplicates(text: string, where: string): unknown {
  const objects: { keys: Set<string>; path: string }[] = [];
  let error: string | undefined;
  const errors: ParseError[] = [];
  visit(
    text,
    {
      onObjectBegin: (_offset, _length, _line, _column, pathSupplier) => {
        objects.push({ keys: new Set(), path: pathSupplier().join('.') });
      },
      onObjectEnd: () => void objects.pop(),
      onObjectProperty: (property, _offset, _length, line) => {
        const current = objects[objects.length - 1];
        if (current.keys.has(property) && error === undefined) {
          error = `key "${property}" appears twice in ${current.path ? `"${current.path}"` : 'the top-level object'} (line ${line + 1}); keep one`;
        }
        current.keys.add(property);
      },
    },
    { disallowComments: true, allowTrailingComma: false },
  );
  visit(text, { onError: (code, offset) => void errors.push({ error: code, offset, length: 0 }) }, { disallowComments: true });
  if (errors.length === 0 && error !== undefined) throw new ReleaseError(`invalid ${where}: ${error}`);
  try {
    return JSON.parse(text);
  } catch (e) {
    const first = errors[0];
    throw new ReleaseError(
      `cannot read ${where}: ${first ? `${printParseErrorCode(first.error)} at offset ${first.offset}` : (e as Error).message}`,
    );
  }
}
