/** C0 control characters and DEL: never part of a name, a URL, a header or a query value. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is this pattern's purpose.
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

export const hasNoControlCharacters = (value: string): boolean => !CONTROL_CHARACTER.test(value);
