/**
 * The application the Vonage flavour of the simulator plays unless told otherwise. Point the
 * official `@vonage/auth` `Auth({ applicationId, privateKey })` at the simulator with these: it
 * accepts the JWTs signed with `privateKey` (RS256), whose `publicKey` it holds, and signs its
 * event webhooks with `signatureSecret` (HS256), naming `apiKey` in their claims. They are made
 * up and work nowhere else.
 */
export const VONAGE_TEST_CREDENTIALS: Readonly<{
  applicationId: string;
  privateKey: string;
  publicKey: string;
  apiKey: string;
  signatureSecret: string;
}> = Object.freeze({
  applicationId: 'aaaaaaaa-bbbb-4ccc-8ddd-0123456789ab',
  privateKey: [
    '-----BEGIN PRIVATE KEY-----',
    'MIIEvwIBADANBgkqhkiG9w0BAQEFAASCBKkwggSlAgEAAoIBAQDW7YPqZGFK1mAx',
    'BFIs4Uz7xmMZLLDyDw2cHl/hRBdd8ZQqr+J6nN6WPocjfgr3iddBBLqWx9WfVsjB',
    'fZj03Y3uP3gSjs9+XWCsM7Nu41f0INIjxUdRMLzd3HrFgXjg4UaAHZZEraaxoBKZ',
    'OW429QgkI7n13TFe5stYtFXfLD2C8SRE1O8tsb3AJpa/KbiqvjebEa7MSDq0hOLH',
    'ivrz9SODFIsthyxgnJCFVU9coDnBKiKACRpBQuTklqbe8ru/Pa7/+hueXyJRE2Ly',
    'NzxW7J8UbRebVYO5Ehr3vcSnuZ8x3M/tGvk03E9edKzSe7gnyf56A3bxzVv5hqzb',
    'gvfJEj1NAgMBAAECggEAGQh8jSQobdhGx2bGsHoEZq3edHvvVx44OlcSWVE+PH+q',
    '/4bRZPEY/txlDpX7boYER4smtXGsmLy5sMmxc1HL2nRThqvSEJiNLjluXIvHvoRF',
    'HYv4iMUZtmib9x2jp+OtO7ZWfoTQTc+EYwrcorOLAXSU0AV1nuVYSWpltxL2ziWT',
    'xoAJjR+ZwWesSZKphz7ze001OMIzCNDffsKA18sFnb/a78blvGFTbSG1SJMZrfNf',
    'pxRieOqbhDiKkyIqS12Akm+e18w5naVdcyF40yKkvAp5ueAAoMb9JjChrm/LkCOA',
    'WTl5SIv83W9eUlnYw7UKp89aXEY0fjAhfr5NtAvjMQKBgQD8k2a2GYnczaV+YVk2',
    'hesr/ye93FLROTjBF2++pKJne9k3dM+Z/UusGjbh7eDMBUu0eT3MIqw+Q3PAIlo4',
    'l5gceu5NtVw7ayeVQJAWIlKeqU1uDfLtNM7nCyw2u9Y56BKY266Zf1h7uxMqN7gS',
    'kjPAadatGiI+qbrUnINbLkdCkQKBgQDZ13OaoCC0q1LIJ0AtKbaSoX/2QRA1ANrq',
    'VpYlow/7LbmwpkTFyIFAXOT7CP+6brBe+ENGfxK5ng6tOxdR6ZWG2cnz2AW2rxaE',
    'xnUJj5TZgBpLtgZeP4YFNXHKUfXbqTf5r9f2O6OW9Ghzw+aUo0BkHc7CqUI73Au+',
    'hu0msSA0/QKBgQC8wSeENSe7NJBWF0hFn+U1VxULJWla5ImOfAZNkdmwvnSBpjEz',
    'YoE318tmIpDZx6dg8y6ErPDOAziwwLtuCZRqzE/lEQEhgp3tQ3eqovHdkqbD9Xaz',
    'YMCzF71uFggt9EpZo+si2XF13kOfTE6qykoUpMQDT0GCVPPDyke8T6R/kQKBgQCk',
    '/1qRiK2dCpL2BTzHuGuP3oFUnO1QqCgoDJNHSJ3nKzgVg6pdgEPd4z6Qob1IkWRH',
    'WpViRQeCziPhs/sy0NCvxi//4ORa/Xz57nNhXX5py2yfYeyq4ER7l4Jrsu6chSxf',
    'k3/pAj0jLlYbMQtqE8jGzAj6SkdfnYjLs9jWUJzLZQKBgQCv4UQeE4NTSjXO97gD',
    'h93mTxufGFi0X6ATIuOrdki4devX0Llgz+Fq0Kk/lKafJApgQ0OYBJojMdqs7Y3j',
    'xmdRDlJ2NRRXf1ptWClQSAcH+0gZjKhnFMNTZ5N5qt5fW70TVfIB72c+BgKS4OxO',
    'Hn6ZuSClk+Iqv8N1bC6Gq7Ai6Q==',
    '-----END PRIVATE KEY-----',
  ].join('\n'),
  publicKey: [
    '-----BEGIN PUBLIC KEY-----',
    'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA1u2D6mRhStZgMQRSLOFM',
    '+8ZjGSyw8g8NnB5f4UQXXfGUKq/iepzelj6HI34K94nXQQS6lsfVn1bIwX2Y9N2N',
    '7j94Eo7Pfl1grDOzbuNX9CDSI8VHUTC83dx6xYF44OFGgB2WRK2msaASmTluNvUI',
    'JCO59d0xXubLWLRV3yw9gvEkRNTvLbG9wCaWvym4qr43mxGuzEg6tITix4r68/Uj',
    'gxSLLYcsYJyQhVVPXKA5wSoigAkaQULk5Jam3vK7vz2u//obnl8iURNi8jc8Vuyf',
    'FG0Xm1WDuRIa973Ep7mfMdzP7Rr5NNxPXnSs0nu4J8n+egN28c1b+Yas24L3yRI9',
    'TQIDAQAB',
    '-----END PUBLIC KEY-----',
  ].join('\n'),
  apiKey: 'a1b2c3d4',
  signatureSecret: 'ringkit-test-signature-secret-0123456789abcdef',
});
