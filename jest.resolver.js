// Some ESM-only packages (unicorn-magic, under execa) export only an "import" condition,
// which Jest's CommonJS resolution never asks for. Where the normal resolution fails, try
// again with "import" added; @swc/jest then compiles what it finds (see jest.config.js).
module.exports = (request, options) => {
  try {
    return options.defaultResolver(request, options);
  } catch (error) {
    const conditions = [...(options.conditions ?? ['require', 'default']), 'import'];
    try {
      return options.defaultResolver(request, { ...options, conditions });
    } catch {
      throw error;
    }
  }
};
