import { describe, expect, it } from 'vitest';
import twilio from 'twilio';
import { readTwiml } from './_twilio-twiml.js';

describe('the TwiML reader', () => {
  it('reads what the official VoiceResponse writes, every verb the simulator plays', () => {
    const response = new twilio.twiml.VoiceResponse();
    response.say({ voice: 'alice', language: 'en-US' }, 'Tom & Jerry <3');
    response.pause({ length: 2 });
    response.dial({ action: '/dialed', method: 'GET', timeout: 15 }, '+14155550199');
    response.dial().number({ statusCallbackEvent: ['answered'] }, '+14155550198');
    response.record({ action: 'https://app.example/rec', maxLength: 30, playBeep: false });
    response.redirect({ method: 'GET' }, '/next?a=1&b=2');
    response.hangup();
    expect(readTwiml(response.toString())).toEqual([
      { verb: 'Say', text: 'Tom & Jerry <3' },
      { verb: 'Pause', lengthS: 2 },
      { verb: 'Dial', action: '/dialed', method: 'GET', timeoutS: 15, number: '+14155550199' },
      { verb: 'Dial', action: undefined, method: 'POST', timeoutS: 30, number: '+14155550198' },
      {
        verb: 'Record',
        action: 'https://app.example/rec',
        method: 'POST',
        maxLengthS: 30,
        playBeep: false,
      },
      { verb: 'Redirect', url: '/next?a=1&b=2', method: 'GET' },
      { verb: 'Hangup' },
    ]);
    const reject = new twilio.twiml.VoiceResponse();
    reject.reject({ reason: 'busy' });
    expect(readTwiml(reject.toString())).toEqual([{ verb: 'Reject', reason: 'busy' }]);
  });

  it('reads CDATA, character references and comments, and an empty <Response/>', () => {
    const text =
      '\uFEFF<Response>\n<!-- hi --><Say><![CDATA[a < b]]> &#233;&#x41;</Say></Response>\n';
    expect(readTwiml(text)).toEqual([{ verb: 'Say', text: 'a < b éA' }]);
    expect(readTwiml('<?xml version="1.0"?><Response/>')).toEqual([]);
  });

  it.each([
    ['<Response><Say>Hi</Response>', '12100', /<\/Say> expected/],
    ['<Response><Say>Hi &nbsp;</Say></Response>', '12100', /bad reference/],
    ['<Response></Response><Response/>', '12100', /after the root/],
    ['<!DOCTYPE x><Response/>', '12100', /DOCTYPE/],
    ['<Response a="1" a="2"/>', '12100', /given twice/],
    ['<Reply/>', '12200', /root element must be <Response>/],
    ['<Response><Gather/></Response>', '12200', /<Gather> is not a verb/],
    ['<Response><Say loud="yes">Hi</Say></Response>', '12200', /takes no attribute loud/],
    ['<Response><Say/></Response>', '12200', /needs text/],
    ['<Response><Pause length="x"/></Response>', '12200', /whole number/],
    ['<Response><Dial><Client>bob</Client></Dial></Response>', '12200', /<Client> is not a noun/],
    [
      '<Response><Dial><Number>+1</Number><Number>+2</Number></Dial></Response>',
      '12200',
      /one <Number>/,
    ],
    ['<Response><Dial timeout="3">+14155550199</Dial></Response>', '12200', /from 5 to 600/],
    ['<Response><Record method="PUT"/></Response>', '12200', /GET or POST/],
    ['<Response><Reject reason="later"/></Response>', '12200', /busy or rejected/],
    ['<Response><Hangup>now</Hangup></Response>', '12200', /takes no text/],
    ['<Response>hello</Response>', '12200', /verbs, not text/],
  ])('refuses %s (%s)', (text, code, message) => {
    expect(readTwiml(text)).toEqual({ code, message: expect.stringMatching(message) });
  });
});
