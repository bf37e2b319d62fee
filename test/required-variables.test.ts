import { describe, expect, it } from "vitest";
import { SOURCE_KEYS, TARGET_KEYS, checkRequiredVariables } from "../src/core/required-variables.ts";
import { endpointAuth } from "../src/git/credentials.ts";
import { Redactor } from "../src/util/redact.ts";
import { configOf, yaml } from "./helpers/config.ts";

const config = configOf(
  yaml(
    "version: 1",
    "defaults: { target: { url: 'https://gitlab.example.com/m/{name}.git', token: TARGET_TOKEN } }",
    "mirrors:",
    "  - name: https-one",
    "    source: https://example.com/a.git",
    "    source_token: UPSTREAM_TOKEN",
    "  - name: ssh-one",
    "    source: git@example.com:b.git",
    "    ssh_key: SSH_KEY",
    "    known_hosts: KNOWN_HOSTS",
  ),
);

function missingMessage(env: Record<string, string>): string {
  try {
    checkRequiredVariables(config.mirrors, env);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  return "";
}

describe("checkRequiredVariables", () => {
  it("names every unset variable once, with every key of every mirror that names it", () => {
    expect(missingMessage({})).toBe(
      "4 CI/CD variables the config names are not set: UPSTREAM_TOKEN (`source_token` of https-one), " +
        "TARGET_TOKEN (`target.token` of https-one, `target.token` of ssh-one), " +
        "KNOWN_HOSTS (`known_hosts` of ssh-one), SSH_KEY (`ssh_key` of ssh-one)",
    );
  });

  it("takes an empty variable for an unset one, and passes when all are set", () => {
    const all = { UPSTREAM_TOKEN: "u", TARGET_TOKEN: "t", SSH_KEY: "k", KNOWN_HOSTS: "h" };
    expect(missingMessage({ ...all, TARGET_TOKEN: "" })).toContain(
      "a CI/CD variable the config names is not set: TARGET_TOKEN",
    );
    expect(missingMessage(all)).toBe("");
  });
});

describe("endpointAuth", () => {
  it("names the key of the side that names a missing variable", async () => {
    const world = { env: {}, redactor: new Redactor() };
    const mirror = config.mirrors[0]!;

    await expect(endpointAuth(mirror.source, {}, world, SOURCE_KEYS)).rejects.toThrow(
      "variable UPSTREAM_TOKEN (named by `source_token`) is not set",
    );
    await expect(endpointAuth(mirror.target, {}, world, TARGET_KEYS)).rejects.toThrow(
      "variable TARGET_TOKEN (named by `target.token`) is not set",
    );
  });
});
