import { describe, expect, it } from 'vitest';
import { answerWeights, checkAnswers } from './_answers.js';

describe('answerWeights', () => {
  it('gives humanRate to a person, machineRate to a machine, and the rest to no-answer', () => {
    const weights = answerWeights({ flavour: 'polling', humanRate: 0.2, machineRate: 0.15 });
    expect(weights).toEqual({
      human: 0.2,
      machine: 0.15,
      busy: 0,
      'no-answer': expect.closeTo(0.65, 9),
      failed: 0,
    });
  });

  it('splits the rest as the outcomes weigh busy, no-answer and failed, completed left unread', () => {
    const weights = answerWeights({
      flavour: 'webhook',
      humanRate: 0.4,
      outcomes: { completed: 50, busy: 1, 'no-answer': 3 },
    });
    expect(weights).toEqual({
      human: 0.4,
      machine: 0,
      busy: expect.closeTo(0.15, 9),
      'no-answer': expect.closeTo(0.45, 9),
      failed: 0,
    });
  });

  it('with machineRate alone, takes the machines from the calls the outcomes answer', () => {
    expect(answerWeights({ flavour: 'polling', machineRate: 0.3 })).toEqual({
      human: expect.closeTo(0.7, 9),
      machine: 0.3,
      busy: 0,
      'no-answer': 0,
      failed: 0,
    });
    expect(
      answerWeights({
        flavour: 'polling',
        machineRate: 0.1,
        outcomes: { completed: 1, failed: 3 },
      }),
    ).toEqual({
      human: expect.closeTo(0.15, 9),
      machine: 0.1,
      busy: 0,
      'no-answer': 0,
      failed: 0.75,
    });
  });

  it('is undefined without either rate, and for the Twilio and Telnyx flavours', () => {
    expect(answerWeights({ flavour: 'polling', outcomes: { busy: 1 } })).toBeUndefined();
    expect(answerWeights({ flavour: 'twilio', machineRate: 0.5 })).toBeUndefined();
    expect(answerWeights({ flavour: 'telnyx', machineRate: 0.5 })).toBeUndefined();
  });
});

describe('checkAnswers', () => {
  it('takes rates that fit, whatever the other flavours make of machineRate', () => {
    expect(checkAnswers({ flavour: 'polling', humanRate: 0.5, machineRate: 0.5 })).toBeUndefined();
    expect(checkAnswers({ flavour: 'webhook', machineRate: 1 })).toBeUndefined();
    expect(
      checkAnswers({ flavour: 'twilio', machineRate: 1, outcomes: { busy: 1 } }),
    ).toBeUndefined();
  });

  it('names humanRate when the two rates add up past 1', () => {
    expect(checkAnswers({ flavour: 'polling', humanRate: 0.9, machineRate: 0.2 })).toEqual({
      path: ['humanRate'],
      message: 'humanRate and machineRate add up to 1.1, more than 1',
    });
  });

  it('names machineRate when it is more than the calls the outcomes answer', () => {
    expect(
      checkAnswers({ flavour: 'webhook', machineRate: 0.6, outcomes: { completed: 1, busy: 1 } }),
    ).toMatchObject({ path: ['machineRate'], message: expect.stringContaining('(0.5,') });
  });
});
