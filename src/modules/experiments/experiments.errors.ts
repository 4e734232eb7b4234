import { defineErrors } from '../../platform/http/errors.js';

export const ExperimentErrors = defineErrors({
  flagNotFound: { code: 'flag_not_found', status: 404, title: 'Flag not found' },
  flagKeyTaken: { code: 'flag_key_taken', status: 409, title: 'Flag key already in use' },
  experimentNotFound: { code: 'experiment_not_found', status: 404, title: 'Experiment not found' },
  experimentKeyTaken: { code: 'experiment_key_taken', status: 409, title: 'Experiment key already in use' },
  slotTaken: { code: 'experiment_slot_taken', status: 409, title: 'Another experiment is running on this slot' },
  experimentRunning: { code: 'experiment_running', status: 409, title: 'Experiment is running' },
  invalidExperiment: { code: 'invalid_experiment', status: 422, title: 'Invalid experiment' },
});
