/**
 * Container image references: `[registry[:port]/]path[:tag][@sha256:digest]`, lower-case path
 * components. A reference must be pinned (tag or digest) and not `:latest`.
 */
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const DOMAIN = '(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?';
const REFERENCE = new RegExp(
  `^(?:(${DOMAIN})/)?(${COMPONENT}(?:/${COMPONENT})*)(?::([\\w][\\w.-]{0,127}))?(?:@(sha256:[a-f0-9]{64}))?$`,
);

export interface ImageReference {
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
}

export function parseImage(ref: string): ImageReference | undefined {
  const m = REFERENCE.exec(ref);
  if (!m) return undefined;
  const repository = m[1] ? `${m[1]}/${m[2]}` : m[2];
  return { repository, tag: m[3], digest: m[4] };
}

/** Problem with an image reference, or undefined when it is valid and pinned. */
export function imageProblem(ref: string): { message: string; hint: string } | undefined {
  const img = parseImage(ref);
  if (!img) {
    return { message: `'${ref}' is not a valid image reference`, hint: 'use registry/repository:tag or repository@sha256:<digest>' };
  }
  if (!img.tag && !img.digest) {
    return { message: `image '${ref}' has no tag or digest`, hint: 'pin a version tag or a digest so deployments are reproducible' };
  }
  if (img.tag === 'latest' && !img.digest) {
    return { message: `image '${ref}' uses the tag 'latest'`, hint: 'pin a version tag or a digest so deployments are reproducible' };
  }
  return undefined;
}
