# Runtime image of the ci-mirror components: the single-file bundle plus what its git needs.
# Build it after `npm run build`; the context holds only the bundle (see .dockerignore).
# Node 26 is the Active LTS line (since 2026-10-28); its official images are built on Debian 13.
FROM node:26-trixie-slim

# git-lfs for repositories with LFS objects, openssh-client for ssh:// sources and targets,
# ca-certificates for https remotes. `git lfs install --system` registers LFS filters for every user.
RUN apt-get update \
  && apt-get install -y --no-install-recommends ca-certificates git git-lfs openssh-client \
  && rm -rf /var/lib/apt/lists/* \
  && git lfs install --system --skip-repo

COPY dist/ci-mirror.mjs /usr/local/bin/ci-mirror
# Set here rather than trusting the mode the build artifact kept.
RUN chmod 0755 /usr/local/bin/ci-mirror && ci-mirror --version

# The node image's unprivileged user: mirroring needs no root. GitLab's Docker executor writes the
# checkout with umask 0000, so this user can still write the project directory and its caches.
USER node
WORKDIR /home/node

# Node (22 and later) keeps V8's compiled code for the bundle in NODE_COMPILE_CACHE, filed under
# the Node version and the user id. Made here, by the user jobs run as, so every job starts from
# it: about 30 ms of a 300 ms no-op sync. Under another user it is not found and Node compiles
# as usual, silently.
ENV NODE_COMPILE_CACHE=/home/node/.cache/node-compile-cache
RUN ci-mirror --version

# No ENTRYPOINT: GitLab runs each job's script through the image's shell, and an entrypoint of
# ci-mirror would swallow that script. `docker run IMAGE ci-mirror --help` works as it is.
CMD ["ci-mirror", "--help"]
