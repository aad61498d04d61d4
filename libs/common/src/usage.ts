export const USAGE = `Usage: codebuff [options] [prompt...]

Codebuff edits your codebase from natural-language instructions.

Options:
  -v, --version   print the version and exit
  -h, --help      print this help and exit
      --info      print version, build platform, runtime and bundled libraries
      --cwd DIR   project directory (default: current directory)
`;
