export { describeProject } from './project-summary';
export { USAGE } from './usage';
