import { createHash } from 'node:crypto';
import * as CDX from '@cyclonedx/cyclonedx-library';
import { PackageURL } from 'packageurl-js';
import parseSpdx from 'spdx-expression-parse';
import type { BinaryContents, BundledPackage, WorkspaceLibrary } from './binary-contents';

export { SBOM_FILE, sbomFileName } from './file-names';

const licenses = new CDX.Contrib.License.Factories.LicenseFactory((expression: string) => void parseSpdx(expression));
const serializer = new CDX.Serialize.JsonSerializer(new CDX.Serialize.JSON.Normalize.Factory(CDX.Spec.Spec1dot6));

/** `@opentui/core` → group `@opentui`, name `core` (CycloneDX's npm convention); unscoped names have no group. */
function splitName(name: string): { group?: string; name: string } {
  const at = name.startsWith('@') ? name.indexOf('/') : -1;
  return at > 0 ? { group: name.slice(0, at), name: name.slice(at + 1) } : { name };
}

export function npmPurl(name: string, version: string): string {
  const { group, name: bare } = splitName(name);
  return new PackageURL('npm', group, bare, version, undefined, undefined).toString();
}

/** `sha512-<base64>` (and the other algorithms an integrity can carry) → CycloneDX hashes. */
function hashesOf(integrity: string | undefined): [CDX.Enums.HashAlgorithm, string][] {
  const algorithms: Record<string, CDX.Enums.HashAlgorithm> = {
    sha512: CDX.Enums.HashAlgorithm['SHA-512'],
    sha384: CDX.Enums.HashAlgorithm['SHA-384'],
    sha256: CDX.Enums.HashAlgorithm['SHA-256'],
    sha1: CDX.Enums.HashAlgorithm['SHA-1'],
  };
  return (integrity ?? '').split(/\s+/).flatMap((part) => {
    const match = /^(sha\d+)-(.+)$/.exec(part);
    const alg = match && algorithms[match[1]];
    return alg ? [[alg, Buffer.from(match[2], 'base64').toString('hex')] as [CDX.Enums.HashAlgorithm, string]] : [];
  });
}

function packageComponent(pkg: BundledPackage, type: CDX.Enums.ComponentType): CDX.Models.Component {
  const purl = npmPurl(pkg.name, pkg.version);
  const component = new CDX.Models.Component(type, splitName(pkg.name).name, {
    group: splitName(pkg.name).group,
    version: pkg.version,
    purl,
    bomRef: purl,
  });
  for (const [alg, content] of hashesOf(pkg.integrity)) component.hashes.set(alg, content);
  if (pkg.license !== undefined) component.licenses.add(licenses.makeFromString(pkg.license));
  return component;
}

function libraryComponent(library: WorkspaceLibrary): CDX.Models.Component {
  const { group, name } = splitName(library.name);
  const component = new CDX.Models.Component(CDX.Enums.ComponentType.Library, name, {
    group,
    version: library.version,
    bomRef: `workspace:${library.name}`,
  });
  component.properties.add(new CDX.Models.Property('codebuff:workspace-path', library.root));
  return component;
}

/**
 * One binary's CycloneDX 1.6 SBOM as JSON text. The metadata component is the binary; the
 * components are what binaryContents found in it, with Bun's runtime as a `platform` component.
 * Reproducible by construction: no timestamp (the compile cannot know the archive date, and a
 * source change must leave the SBOM as it was), lists sorted by the library, and a serial number
 * that is a UUID made from the document's own bytes.
 */
export function cyclonedxSbom(options: {
  binary: string;
  version: string;
  platform: string;
  bunTarget: string;
  contents: BinaryContents;
}): string {
  const { contents } = options;
  const bom = new CDX.Models.Bom();
  const binary = new CDX.Models.Component(CDX.Enums.ComponentType.Application, options.binary, {
    version: options.version,
    bomRef: `${options.binary}-${options.platform}`,
  });
  binary.properties.add(new CDX.Models.Property('codebuff:platform', options.platform));
  binary.properties.add(new CDX.Models.Property('codebuff:bun-target', options.bunTarget));
  bom.metadata.component = binary;

  const byKey = new Map<string, CDX.Models.Component>();
  const byPurl = new Map<string, CDX.Models.Component>();
  for (const pkg of contents.packages) {
    // One package at one version installed in two places is one component (same purl, same bytes).
    const purl = npmPurl(pkg.name, pkg.version);
    const component = byPurl.get(purl) ?? packageComponent(pkg, CDX.Enums.ComponentType.Library);
    byPurl.set(purl, component);
    byKey.set(pkg.lockKey, component);
  }
  for (const pkg of contents.packages) {
    const component = byKey.get(pkg.lockKey) as CDX.Models.Component;
    for (const key of pkg.dependsOn) {
      const target = byKey.get(key);
      if (target && target !== component) component.dependencies.add(target.bomRef);
    }
  }
  for (const component of byPurl.values()) bom.components.add(component);
  for (const library of contents.libraries) {
    const component = libraryComponent(library);
    bom.components.add(component);
    binary.dependencies.add(component.bomRef);
  }
  if (contents.runtime) {
    const runtime = packageComponent(contents.runtime, CDX.Enums.ComponentType.Platform);
    bom.components.add(runtime);
    binary.dependencies.add(runtime.bomRef);
  }
  for (const key of contents.direct) {
    const target = byKey.get(key);
    if (target) binary.dependencies.add(target.bomRef);
  }
  const unsigned = serializer.serialize(bom, { sortLists: true, space: 2 });
  bom.serialNumber = contentUuid(unsigned);
  return `${serializer.serialize(bom, { sortLists: true, space: 2 })}\n`;
}

/** `urn:uuid:` + a name-based (version 5 layout) UUID from the sha256 of the document without it. */
function contentUuid(text: string): string {
  const hex = createHash('sha256').update(text).digest('hex').slice(0, 32).split('');
  hex[12] = '5';
  hex[16] = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  const h = hex.join('');
  return `urn:uuid:${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
