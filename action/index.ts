import { run } from './main';

/* istanbul ignore next */
void run();
