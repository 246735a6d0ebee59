/**
 * The one base of the errors about a named file or folder that is missing, unreadable or not
 * what it should be: `FileError` (io/), `DatasetError` (data/) and `RunFolderError` (vae/), the
 * names users catch. The message is `path: problem`, and `path` is kept for the caller. It lives
 * in tensor/, the layer all three stand on; it touches no file itself.
 */
export class PathError extends Error {
  override name = "PathError";
  readonly path: string;

  constructor(path: string, problem: string) {
    super(`${path}: ${problem}`);
    this.path = path;
  }
}
