// One polling helper for every test (libs/devstack/src/wait-for.ts).
export { waitFor } from '@switchyard/devstack/testing';
