/**
 * GitLab job-log sections: collapsible blocks in the job log. The markers are plain text the
 * runner recognises; a section name may only use letters, digits, `_`, `.` and `-`.
 * https://docs.gitlab.com/ci/jobs/job_logs/#custom-collapsible-sections
 */
const ESC = "\u001b";

export function sectionStart(name: string, header: string, collapsed: boolean, now = Date.now()): string {
  const options = collapsed ? "[collapsed=true]" : "";
  return `${ESC}[0Ksection_start:${Math.floor(now / 1000)}:${sectionName(name)}${options}\r${ESC}[0K${header}`;
}

export function sectionEnd(name: string, now = Date.now()): string {
  return `${ESC}[0Ksection_end:${Math.floor(now / 1000)}:${sectionName(name)}\r${ESC}[0K`;
}

function sectionName(name: string): string {
  return `mirror_${name.replace(/[^A-Za-z0-9_.-]/g, "_")}`;
}
