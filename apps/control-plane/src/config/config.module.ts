import { Global, Module, type DynamicModule } from '@nestjs/common';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from './config.js';

@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: ControlPlaneConfig): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: CONTROL_PLANE_CONFIG, useValue: config }],
      exports: [CONTROL_PLANE_CONFIG],
    };
  }
}
